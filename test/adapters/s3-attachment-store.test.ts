import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3AttachmentStore, S3AttachmentStore } from '#shared/adapters/s3-attachment-store';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

/** What the adapter reads of a GetObject body (the SDK's stream mixin). */
const body = (text: string) => ({ transformToByteArray: async () => new Uint8Array(Buffer.from(text)) }) as never;

/** The S3 client is built with the first attachment, not when the adapter is (issue 18: off the cold path). */
describe('S3AttachmentStore with a lazily built client', () => {
  it('builds the client once, on first use, and shares it between calls', async () => {
    s3.on(GetObjectCommand).callsFake(async () => ({ Body: body('bytes') }));
    s3.on(PutObjectCommand).resolves({});
    let built = 0;
    const store = new S3AttachmentStore(async () => {
      built++;
      return new S3Client({ region: 'us-east-1' });
    }, 'bucket');
    expect(built).toBe(0);

    const [a, b] = await Promise.all([store.get('t/e/0-a.txt'), store.get('t/e/1-b.txt')]);
    await store.put('t/e/2-c.txt', Buffer.from('c'), 'text/plain');

    expect(built).toBe(1);
    expect([a.toString(), b.toString()]).toEqual(['bytes', 'bytes']);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'bucket', Key: 't/e/0-a.txt' },
      { Bucket: 'bucket', Key: 't/e/1-b.txt' },
    ]);
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'bucket', Key: 't/e/2-c.txt', ContentType: 'text/plain' });
  });

  it('tries to build the client again after a failed build instead of failing every later attachment', async () => {
    s3.on(GetObjectCommand).callsFake(async () => ({ Body: body('ok') }));
    let calls = 0;
    const store = new S3AttachmentStore(async () => {
      calls++;
      if (calls === 1) throw new Error('could not load the S3 SDK');
      return new S3Client({ region: 'us-east-1' });
    }, 'bucket');

    await expect(store.get('t/e/0-a.txt')).rejects.toThrow('could not load the S3 SDK');
    await expect(store.get('t/e/0-a.txt')).resolves.toEqual(Buffer.from('ok'));
    expect(calls).toBe(2);
  });

  it('signs download URLs (the presigner, too, is imported on first use)', async () => {
    const store = createS3AttachmentStore('bucket', new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } }));
    const url = new URL(await store!.downloadUrl('t/e/0-report.pdf', { expiresInSeconds: 60, filename: 'report.pdf', contentType: 'application/pdf' }));
    expect(url.pathname.endsWith('/t/e/0-report.pdf')).toBe(true);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('response-content-disposition')).toBe("attachment; filename*=UTF-8''report.pdf");
    expect(url.searchParams.get('response-content-type')).toBe('application/pdf');
  });

  it('has no store without a bucket', () => {
    expect(createS3AttachmentStore(undefined)).toBeUndefined();
  });
});
