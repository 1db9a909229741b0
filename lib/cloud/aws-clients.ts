import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";

/**
 * The AWS clients rungs uses, configured from the standard environment only:
 * AWS_REGION, the credential chain, and the service endpoint overrides
 * AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL), which
 * the SDK reads by itself. The same code talks to AWS and to local servers.
 */

/** A DynamoDB client for the region and endpoint in the environment. */
export function dynamoClient(): DynamoDBClient {
  return new DynamoDBClient({});
}

/**
 * An S3 client for the region and endpoint in the environment.
 *
 * Checksums are sent only where S3 requires them: the SDK's default adds a
 * CRC32 trailer to streamed uploads, which S3-compatible servers that predate
 * it store as part of the object. Buckets are addressed by path when an
 * endpoint is set, since such servers rarely resolve bucket subdomains.
 */
export function s3Client(): S3Client {
  return new S3Client({
    requestChecksumCalculation: "WHEN_REQUIRED",
    forcePathStyle: hasCustomS3Endpoint(process.env),
  });
}

function hasCustomS3Endpoint(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
}
