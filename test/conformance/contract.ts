/**
 * Resend's published contract, read at run time from ../shared/contracts (never copied into the
 * repo): the response schemas of the operations Mailroom implements, with the SDK's errata (fields
 * the `resend` SDK types allow to be null) applied, compiled with ajv.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import type { ResendErrorName } from '#shared/http/api';

const here = dirname(fileURLToPath(import.meta.url));
export const CONTRACTS_DIR = resolve(here, '../../../shared/contracts');

interface Facts {
  operations: Record<string, { method: string; path: string; responses: Record<string, unknown> }>;
  errata: Record<string, { nullable?: string[] } | string>;
}

let facts: Facts | undefined;
const loadFacts = (): Facts => {
  facts ??= JSON.parse(readFileSync(resolve(CONTRACTS_DIR, 'resend-openapi-facts.json'), 'utf8')) as Facts;
  return facts;
};

/** Makes the schema at a JSON pointer (`/data/items/cc`, through `properties`) also accept null. */
function allowNull(schema: any, pointer: string): void {
  const parts = pointer.split('/').filter(Boolean);
  let node = schema;
  for (const [i, part] of parts.entries()) {
    // A node already made nullable is {anyOf: [schema, {type: null}]}: walk into the schema.
    if (node.anyOf && !node.properties && !node.items) node = node.anyOf[0];
    const container = part === 'items' ? node : node.properties;
    const key = part === 'items' ? 'items' : part;
    const next = container?.[key];
    if (!next) return;
    if (i === parts.length - 1) container[key] = { anyOf: [next, { type: 'null' }] };
    node = next;
  }
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
const compiled = new Map<string, (data: unknown) => boolean>();

/**
 * Validates a 2xx body against Resend's schema for `operation` (e.g. `emails/get`); fails the test
 * with ajv's errors. `sdkNullable`: JSON pointers the SDK's types allow to be null beyond the
 * contract's errata (each caller cites the SDK type).
 */
export function expectResendShape(operation: string, body: unknown, status = 200, sdkNullable: readonly string[] = []): void {
  const key = `${operation} ${status} ${sdkNullable.join(',')}`;
  let validate = compiled.get(key) as any;
  if (!validate) {
    const f = loadFacts();
    const op = f.operations[operation];
    if (!op) throw new Error(`No operation ${operation} in the Resend contract facts`);
    const schema = structuredClone(op.responses[String(status)]) as any;
    if (!schema) throw new Error(`Resend documents no ${status} answer for ${operation}`);
    const erratum = f.errata[operation];
    if (erratum && typeof erratum === 'object') for (const p of erratum.nullable ?? []) allowNull(schema, p);
    // Where the SDK's types allow null and the spec does not (the SDK is what users run; docs/api.md lists them).
    for (const p of sdkNullable) allowNull(schema, p);
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  const ok = validate(body);
  expect(ok ? [] : validate.errors, `${operation} answer does not match Resend's schema`).toEqual([]);
}

/**
 * The SDK's `RESEND_ERROR_CODE_KEY` union, read from the installed SDK's own type definitions
 * (node_modules/resend/dist/index.d.mts) rather than a copy, so an SDK upgrade that changes it shows here.
 */
export const RESEND_ERROR_NAMES: readonly ResendErrorName[] = (() => {
  const dts = readFileSync(
    createRequire(import.meta.url)
      .resolve('resend')
      .replace(/index\.c?js$/, 'index.d.mts'),
    'utf8',
  );
  const union = /type RESEND_ERROR_CODE_KEY = ([^;]+);/.exec(dts);
  if (!union?.[1]) throw new Error('RESEND_ERROR_CODE_KEY not found in the resend SDK types');
  return [...union[1].matchAll(/'([a-z_]+)'/g)].map((m) => m[1] as ResendErrorName);
})();

/** An error answer in the SDK's `ErrorResponse` shape: exactly `{statusCode, name, message}`, `name` from the union. */
export function expectResendError(error: unknown, statusCode: number, name: ResendErrorName): void {
  expect(error).toEqual({ statusCode, name, message: expect.any(String) });
  expect(RESEND_ERROR_NAMES).toContain((error as { name: string }).name);
}
