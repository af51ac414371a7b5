/**
 * Resend's sent-email attachments, through the official SDK against local mode.
 * Sources: resend.com/docs/api-reference/emails/list-attachments and /retrieve-attachment, and the
 * SDK types `AttachmentData`, `ListAttachmentsResponseSuccess`, `GetAttachmentResponseSuccess`.
 */
import { Resend } from 'resend';
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '#test/support/local-stack';
import { expectResendError, expectResendShape } from './contract';

describe('Resend email attachments (resend.com/docs/api-reference/emails/list-attachments)', () => {
  const stack = useLocalStack();
  const sdk = () => new Resend(stack().apiKey, { baseUrl: stack().apiUrl });
  const pdf = Buffer.from('%PDF-1.4 invoice 1042\n');
  const png = Buffer.from('89504e470d0a1a0a', 'hex');

  it('lists and gets a sent email’s attachments with short-lived download URLs that serve the bytes', async () => {
    const sent = await sdk().emails.send({
      from: stack().from,
      to: 'ada@example.org',
      subject: 'With attachments',
      html: '<p>Invoice <img src="cid:logo"></p>',
      attachments: [
        { filename: 'invoice.pdf', content: pdf.toString('base64'), contentType: 'application/pdf' },
        { filename: 'logo.png', content: png.toString('base64'), contentType: 'image/png', contentId: 'logo' },
      ],
    });
    expect(sent.error).toBeNull();
    const emailId = sent.data!.id;

    const listed = await sdk().emails.attachments.list({ emailId });
    expect(listed.error).toBeNull();
    expectResendShape('emails/list-attachments', listed.data);
    expect(listed.data).toMatchObject({ object: 'list', has_more: false });
    const [invoice, logo] = listed.data!.data;
    expect(invoice).toMatchObject({ filename: 'invoice.pdf', size: pdf.length, content_type: 'application/pdf', content_disposition: 'attachment' });
    expect(logo).toMatchObject({ filename: 'logo.png', content_disposition: 'inline', content_id: 'logo' });
    // Short-lived: valid for 15 minutes.
    const ttl = Date.parse(invoice!.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    // The URL serves the bytes without an API key (a presigned URL to the local S3 emulator).
    const download = await fetch(invoice!.download_url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(pdf);

    const one = await sdk().emails.attachments.get({ emailId, id: logo!.id });
    expect(one.error).toBeNull();
    expectResendShape('emails/get-attachment', one.data);
    expect(one.data).toMatchObject({ object: 'attachment', id: logo!.id, filename: 'logo.png' });

    const paged = await sdk().emails.attachments.list({ emailId, limit: 1 });
    expect(paged.data!.data.map((a) => a.id)).toEqual([invoice!.id]);
    expect(paged.data!.has_more).toBe(true);
    const rest = await sdk().emails.attachments.list({ emailId, limit: 1, after: invoice!.id });
    expect(rest.data!.data.map((a) => a.id)).toEqual([logo!.id]);
    expect(rest.data!.has_more).toBe(false);
  });

  it('answers 404 not_found for an unknown attachment or email', async () => {
    const sent = await sdk().emails.send({ from: stack().from, to: 'ada@example.org', subject: 'No attachments', text: 'x' });
    expect((await sdk().emails.attachments.list({ emailId: sent.data!.id })).data).toMatchObject({ data: [], has_more: false });
    expectResendError((await sdk().emails.attachments.get({ emailId: sent.data!.id, id: '00000000-0000-8000-8000-000000000000' })).error, 404, 'not_found');
    expectResendError((await sdk().emails.attachments.list({ emailId: 'no-such-email' })).error, 404, 'not_found');
  });
});
