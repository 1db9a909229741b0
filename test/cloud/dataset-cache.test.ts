import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { s3Client } from "../../lib/cloud/aws-clients";
import { DatasetCache, DatasetUnavailableError } from "../../lib/cloud/dataset-cache";
import { TINY } from "../support/cli";
import { type LocalS3, startS3rver } from "../support/s3rver";

let s3: LocalS3;
let directory: string;

beforeAll(async () => {
  s3 = await startS3rver();
});

afterAll(() => s3.close());

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "rungs-cache-test-"));
});

afterEach(() => rm(directory, { recursive: true, force: true }));

async function upload(key: string, body: Buffer | string): Promise<string> {
  await s3Client().send(
    new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }),
  );
  return `s3://${s3.bucket}/${key}`;
}

describe("dataset cache", () => {
  it("gives concurrent callers one whole copy that stays in place", async () => {
    const body = await readFile(TINY.train);
    const uri = await upload("data/concurrent.txt", body);
    const cache = new DatasetCache(s3Client(), directory);

    const paths = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const path = await cache.localPath(uri);
        return { path, content: await readFile(path) };
      }),
    );

    expect(new Set(paths.map((p) => p.path)).size).toBe(1);
    for (const { content } of paths) expect(content.equals(body)).toBe(true);
    expect(await readdir(directory)).toHaveLength(1);
  });

  it("fetches a replaced dataset again and removes the older copy", async () => {
    const uri = await upload("data/replaced.txt", "__label__a first version\n");
    const cache = new DatasetCache(s3Client(), directory);
    const first = await cache.localPath(uri);

    await upload("data/replaced.txt", "__label__b second version\n");
    const second = await cache.localPath(uri);

    expect(second).not.toBe(first);
    expect(await readFile(second, "utf8")).toBe("__label__b second version\n");
    expect(await readdir(directory)).toEqual([second.split("/").pop()]);
  });

  it("names the object and the fix when it cannot be read", async () => {
    const cache = new DatasetCache(s3Client(), directory);

    await expect(cache.localPath(`s3://${s3.bucket}/data/missing.txt`)).rejects.toThrow(
      DatasetUnavailableError,
    );
    await expect(cache.localPath(`s3://${s3.bucket}/data/missing.txt`)).rejects.toThrow(
      /data\/missing\.txt.*Check that the object exists/,
    );
  });
});
