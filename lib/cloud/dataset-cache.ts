import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { RungsError } from "../errors";

/** An object in S3, as `s3://bucket/key`. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

export class DatasetUnavailableError extends RungsError {}

/** Splits `s3://bucket/key`; anything else is a caller's mistake caught earlier by validation. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (match === null)
    throw new DatasetUnavailableError(`${uri} is not an s3://bucket/key URI`);
  return { bucket: match[1]!, key: match[2]! };
}

/**
 * Local copies of datasets in S3, kept across invocations of a warm Lambda
 * container. A copy is named by the object's URI and ETag, so a dataset
 * replaced in S3 is fetched again, and older copies of it are removed to keep
 * /tmp bounded.
 */
export class DatasetCache {
  constructor(
    private readonly s3: S3Client,
    private readonly directory: string,
  ) {}

  /** The path of a local copy of `uri`, downloading it only when missing or changed. */
  async localPath(uri: string): Promise<string> {
    const location = parseS3Uri(uri);
    const etag = await this.etagOf(location, uri);
    const prefix = createHash("sha256").update(uri).digest("hex").slice(0, 16);
    const path = join(
      this.directory,
      `${prefix}-${etag.replace(/[^A-Za-z0-9]/g, "")}.txt`,
    );
    if (await exists(path)) return path;

    await mkdir(this.directory, { recursive: true });
    await this.removeOtherVersions(prefix);
    await this.download(location, uri, path);
    return path;
  }

  private async etagOf(location: S3Location, uri: string): Promise<string> {
    try {
      const head = await this.s3.send(
        new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }),
      );
      return head.ETag ?? "no-etag";
    } catch (error) {
      throw new DatasetUnavailableError(
        `Cannot read ${uri}: ${(error as Error).name}. Check that the object exists and that the train function may read the bucket.`,
        { cause: error },
      );
    }
  }

  /** Downloads beside the final path and renames, so a cut-short download is never used. */
  private async download(location: S3Location, uri: string, path: string): Promise<void> {
    const partial = `${path}.partial`;
    try {
      const object = await this.s3.send(
        new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
      );
      await pipeline(object.Body as Readable, createWriteStream(partial));
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw new DatasetUnavailableError(
        `Cannot download ${uri}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  private async removeOtherVersions(prefix: string): Promise<void> {
    const names = await readdir(this.directory);
    await Promise.all(
      names
        .filter((name) => name.startsWith(`${prefix}-`))
        .map((name) => rm(join(this.directory, name), { force: true })),
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
