import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { useLocalAwsCredentials } from "./aws-environment";

/** An S3 running in this process, with one bucket. */
export interface LocalS3 {
  readonly endpoint: string;
  readonly bucket: string;
  close(): Promise<void>;
}

/**
 * Starts s3rver on a free loopback port, silent, storing objects in a fresh
 * temporary directory, and points the SDK at it through AWS_ENDPOINT_URL_S3.
 */
export async function startS3rver(bucket = "rungs-test"): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), "rungs-s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;

  useLocalAwsCredentials();
  process.env.AWS_ENDPOINT_URL_S3 = endpoint;

  const close = async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  };
  return { endpoint, bucket, close };
}
