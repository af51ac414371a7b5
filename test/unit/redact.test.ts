import { describe, expect, it } from 'vitest';
import { logger } from '#shared/observability/logger';
import { hashAddress, redactAddressesIn } from '#shared/observability/redact';

describe('address redaction in logs', () => {
  it('masks every address inside free text, keeping the domain readable', () => {
    expect(redactAddressesIn('Rejected: jane.doe@example.com, "Bob" <bob+x@mail.example.org>')).toBe(
      'Rejected: j***@example.com, "Bob" <b***@mail.example.org>',
    );
    expect(redactAddressesIn('no address here @ all')).toBe('no address here @ all');
  });

  it('hashes or keeps addresses when configured', () => {
    expect(redactAddressesIn('to jane@example.com', 'hash')).toBe(`to ${hashAddress('jane@example.com')}`);
    expect(redactAddressesIn('to jane@example.com', 'full')).toBe('to jane@example.com');
  });

  it('never lets the Logger write a full address, even inside an error message or an extra field', () => {
    const lines: string[] = [];
    const original = { out: process.stdout.write, err: process.stderr.write };
    const tap = ((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = tap;
    process.stderr.write = tap;
    try {
      logger.error('Send failed', { error: new Error('Email address is not verified: victim.person@example.net'), recipients: ['other.person@example.org'] });
    } finally {
      process.stdout.write = original.out;
      process.stderr.write = original.err;
    }
    const out = lines.join('');
    expect(out).toContain('Send failed');
    expect(out).toContain('v***@example.net');
    expect(out).toContain('o***@example.org');
    expect(out).not.toContain('victim.person');
    expect(out).not.toContain('other.person');
  });
});
