import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AttachmentStore } from '#shared/ports/index';
import { createS3Client } from './aws-clients';
import { ATTACHMENT_RETENTION, attachmentRetentionClass } from '#shared/config/retention';

/**
 * Attachment bytes in the attachments bucket (keys `<tenant>/<emailId>/<n>-<filename>`). The
 * bucket encrypts at rest and its lifecycle rule expires objects, so nothing here deletes.
 */
export class S3AttachmentStore implements AttachmentStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: Buffer, contentType: string | undefined, expiresAt?: Date): Promise<void> {
    await this.s3.send(
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
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(options.filename)}`,
      ...(options.contentType ? { ResponseContentType: options.contentType } : {}),
    });
    return getSignedUrl(this.s3, command, { expiresIn: options.expiresInSeconds });
  }

  async get(key: string): Promise<Buffer> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!out.Body) throw new Error(`Attachment object ${key} has no body`);
    return Buffer.from(await out.Body.transformToByteArray());
  }
}

/** The adapter over a fresh S3 client, or undefined when no bucket is configured. */
export function createS3AttachmentStore(bucket: string | undefined, s3?: S3Client): S3AttachmentStore | undefined {
  return bucket ? new S3AttachmentStore(s3 ?? createS3Client(), bucket) : undefined;
}
