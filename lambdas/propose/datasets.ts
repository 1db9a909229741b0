import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { ExecutionInput } from "./execution-input";

/**
 * Problems with dataset objects that cannot be read: every training job
 * would fail on them, so a run is better refused at the start.
 */
export async function unreadableDatasets(
  s3: S3Client,
  dataset: ExecutionInput["dataset"],
): Promise<string[]> {
  const checks = Object.entries(dataset).map(([name, uri]) =>
    unreadable(s3, `dataset.${name}`, uri),
  );
  const problems = await Promise.all(checks);
  return problems.filter((problem): problem is string => problem !== undefined);
}

async function unreadable(
  s3: S3Client,
  field: string,
  uri: string,
): Promise<string | undefined> {
  const { bucket, key } = parseS3Uri(uri);
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return undefined;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
      ?.httpStatusCode;
    if (status === 404) {
      return `${field}: received "${uri}"; no such object; upload it or correct the key`;
    }
    if (status === 403) {
      return `${field}: received "${uri}"; the propose function may not read it (or, without list rights, it does not exist); put it in the run bucket or grant read access`;
    }
    throw error;
  }
}

/** Bucket and key of a URI already checked to be `s3://bucket/key`. */
function parseS3Uri(uri: string): { bucket: string; key: string } {
  const path = uri.slice("s3://".length);
  const slash = path.indexOf("/");
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}
