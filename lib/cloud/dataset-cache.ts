import { createHash, randomUUID } from "node:crypto";
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
 *
 * A Lambda container serves one invocation at a time, but one process may
 * ask for the same dataset concurrently (the train and validation files of
 * one job, or several jobs in one process, as the tests run them). fastText
 * opens its input twice, once to build the vocabulary and again to train,
 * and if the file has vanished in between it loops forever on an empty
 * stream. So concurrent callers of one version share one download, and its
 * copy is never removed or rewritten under them. A caller that fetches a
 * newer version still removes the older copy, even if a concurrent caller in
 * the same process is training on it: replacing a dataset in S3 during a run
 * is not supported (the run would mix two datasets anyway).
 */
export class DatasetCache {
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly s3: S3Client,
    private readonly directory: string,
  ) {}

  /** The path of a local copy of `uri`, downloading it only when missing or changed. */
  async localPath(uri: string): Promise<string> {
    const location = parseS3Uri(uri);
    const etag = await this.etagOf(location, uri);
    const prefix = createHash("sha256").update(uri).digest("hex").slice(0, 16);
    const name = `${prefix}-${etag.replace(/[^A-Za-z0-9]/g, "")}.txt`;
    const path = join(this.directory, name);

    const pending = this.inFlight.get(path);
    if (pending !== undefined) return pending;
    if (await exists(path)) return path;

    const fetched = this.fetch(location, uri, prefix, name).finally(() =>
      this.inFlight.delete(path),
    );
    this.inFlight.set(path, fetched);
    return fetched;
  }

  private async fetch(
    location: S3Location,
    uri: string,
    prefix: string,
    name: string,
  ): Promise<string> {
    await mkdir(this.directory, { recursive: true });
    await this.removeOtherVersions(prefix, name);
    const path = join(this.directory, name);
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

  /**
   * Downloads to a file of its own beside the final path and renames it, so
   * a cut-short download is never used and the final path always names a
   * whole copy.
   */
  private async download(location: S3Location, uri: string, path: string): Promise<void> {
    const partial = `${path}.${randomUUID()}.partial`;
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

  /** Finished copies of older versions of the dataset; downloads under way are left alone. */
  private async removeOtherVersions(prefix: string, keep: string): Promise<void> {
    const names = await readdir(this.directory);
    await Promise.all(
      names
        .filter(
          (n) => n.startsWith(`${prefix}-`) && n !== keep && !n.endsWith(".partial"),
        )
        .map((n) => rm(join(this.directory, n), { force: true })),
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
