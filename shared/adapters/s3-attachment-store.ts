import type { S3Client } from '@aws-sdk/client-s3';
import type { AttachmentStore } from '#shared/ports/index';
import { createS3Client } from './aws-clients';
import { ATTACHMENT_RETENTION, attachmentRetentionClass } from '#shared/config/retention';

/** The S3 SDK is imported by the first attachment, not at cold start (a separate chunk in the Lambda bundles). */
let sdk: Promise<typeof import('@aws-sdk/client-s3')> | undefined;
const loadSdk = () => (sdk ??= import('@aws-sdk/client-s3'));

/**
 * Attachment bytes in the attachments bucket (keys `<tenant>/<emailId>/<n>-<filename>`). The
 * bucket encrypts at rest and its lifecycle rule expires objects, so nothing here deletes.
 * Takes a client, or a function that builds one on first use (the factory's lazy default).
 */
export class S3AttachmentStore implements AttachmentStore {
  private client: Promise<S3Client> | undefined;

  constructor(
    private readonly s3: S3Client | (() => Promise<S3Client>),
    private readonly bucket: string,
  ) {}

  private s3Client(): Promise<S3Client> {
    if (!this.client) {
      const s3 = this.s3;
      const client = typeof s3 === 'function' ? s3() : Promise.resolve(s3);
      // A failed build (e.g. the import) is tried again by the next call.
      client.catch(() => {
        if (this.client === client) this.client = undefined;
      });
      this.client = client;
    }
    return this.client;
  }

  async put(key: string, body: Buffer, contentType: string | undefined, expiresAt?: Date): Promise<void> {
    const [s3, { PutObjectCommand }] = await Promise.all([this.s3Client(), loadSdk()]);
    await s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: contentType ?? 'application/octet-stream',
        // Informational: the lifecycle rule does the deleting.
        ...(expiresAt ? { Expires: expiresAt } : {}),
        // The lifecycle rule of this retention class deletes the object with its email.
        ...(expiresAt ? { Tagging: `${ATTACHMENT_RETENTION.tagKey}=${attachmentRetentionClass((expiresAt.getTime() - Date.now()) / 86_400_000)}` } : {}),
      }),
    );
  }

  /**
   * A presigned GET for the object, valid `expiresInSeconds` (SigV4 query signing, no request to
   * S3): the browser saves it under its filename. Locally the client points at the S3 emulator,
   * so the URL is a local one.
   */
  async downloadUrl(key: string, options: { expiresInSeconds: number; filename: string; contentType?: string }): Promise<string> {
    const [s3, { GetObjectCommand }, { getSignedUrl }] = await Promise.all([this.s3Client(), loadSdk(), import('@aws-sdk/s3-request-presigner')]);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(options.filename)}`,
      ...(options.contentType ? { ResponseContentType: options.contentType } : {}),
    });
    return getSignedUrl(s3, command, { expiresIn: options.expiresInSeconds });
  }

  async get(key: string): Promise<Buffer> {
    const [s3, { GetObjectCommand }] = await Promise.all([this.s3Client(), loadSdk()]);
    const out = await s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!out.Body) throw new Error(`Attachment object ${key} has no body`);
    return Buffer.from(await out.Body.transformToByteArray());
  }
}

/** The adapter over a fresh S3 client (built on first use), or undefined when no bucket is configured. */
export function createS3AttachmentStore(bucket: string | undefined, s3?: S3Client): S3AttachmentStore | undefined {
  return bucket ? new S3AttachmentStore(s3 ?? (async () => createS3Client(await loadSdk())), bucket) : undefined;
}
