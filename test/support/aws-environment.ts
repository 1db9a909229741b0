/**
 * Points the AWS SDK of this process at local servers: a region and
 * credentials must exist for it to sign requests, though no server checks
 * them. S3rver's one account is S3RVER/S3RVER; dynalite accepts any.
 */
export function useLocalAwsCredentials(): void {
  process.env.AWS_REGION = "us-east-1";
  process.env.AWS_ACCESS_KEY_ID = "S3RVER";
  process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}
