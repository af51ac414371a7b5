import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '#shared/domain/errors';
import { templateEnv } from '#shared/rendering/template-env';
import { repositoryTemplates } from '#shared/rendering/template-repository';
import {
  type LoadedTemplate,
  cachedTemplateCount,
  clearTemplateCache,
  cssInliningOf,
  renderTemplate,
  renderTemplateInliningPerRender,
  renderTemplatePreview,
  templateCacheKey,
  validateTemplateVariables,
} from '#shared/rendering/templates';

const baseUrl = 'https://app.example.com';
const extraVariables = { unsubscribe_url: 'https://api.example.com/unsubscribe/tok_123', brand: { name: 'Acme' } };

function repositoryTemplate(id: string): LoadedTemplate {
  const template = repositoryTemplates.get(id);
  if (!template) throw new Error(`no repository template ${id}`);
  return template;
}

let tenantTemplateSeq = 0;
/** A tenant template with a fresh id, so each test starts with a cold cache entry. */
function tenantTemplate(overrides: Partial<LoadedTemplate> = {}): LoadedTemplate {
  tenantTemplateSeq += 1;
  return { id: `tpl_test_${tenantTemplateSeq}`, version: 1, source: 'tenant', subject: 'Hi {{name}}', html: '<p>Hi {{name}}</p>', meta: {}, ...overrides };
}

function catchError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('shipped templates', () => {
  it('ships the five templates with their lanes', () => {
    expect(Object.fromEntries([...repositoryTemplates.values()].map((t) => [t.id, t.meta.lane]))).toEqual({
      newsletter: 'marketing',
      'order-confirmation': 'transactional',
      'password-reset': 'critical',
      'scheduled-reminder': 'transactional',
      welcome: 'transactional',
    });
  });

  describe.each([...repositoryTemplates.keys()])('%s', (id) => {
    const template = repositoryTemplate(id);
    const rendered = () => renderTemplate(template, template.meta.sample ?? {}, { baseUrl, extraVariables });

    it('has a description and a sample that satisfies its schema', () => {
      expect(template.meta.description).toBeTruthy();
      expect(template.meta.schema).toBeTypeOf('object');
      expect(() => validateTemplateVariables(template, template.meta.sample)).not.toThrow();
    });

    it('renders a one-line subject and text from its sample', () => {
      // Act
      const { subject, text } = rendered();

      // Assess
      expect(subject).not.toMatch(/[\r\n]/);
      expect(subject).toMatchSnapshot('subject');
      expect(text).toMatchSnapshot('text');
      expect(text).not.toContain('{{');
      expect(text.split('\n').every((line) => line.length <= 78 || !line.includes(' '))).toBe(true);
    });

    it('renders HTML wrapped in the layout with the styles inlined', () => {
      // Act
      const { html } = rendered();

      // Assess
      expect(html).toMatch(/^<!DOCTYPE html>/);
      expect(html).toContain('<span class="brand" style="font-family: Helvetica, Arial, sans-serif;');
      expect(html).toMatch(/<td class="content" style="padding: 32px;[^"]*"/);
      expect(html).toContain('&copy; Acme');
      expect(html).not.toContain('{{');
      expect(html).not.toContain('}}');
      // Only what cannot be inlined stays in <head>.
      expect(html).toMatch(/<style>\s*@media only screen and \(max-width: 620px\)/);
      expect(html).not.toMatch(/\.card \{/);
    });
  });

  it('puts the reset URL and its expiry in the password reset email', () => {
    // Act
    const { html, text } = renderTemplate(
      repositoryTemplate('password-reset'),
      { reset_url: 'https://app.example.com/reset?t=abc', expires_in_minutes: 15 },
      { baseUrl },
    );

    // Assess
    expect(html).toContain('href="https://app.example.com/reset?t&#x3D;abc"');
    expect(html).toContain('expires in <strong>15 minutes</strong>');
    expect(text).toContain('Hi there,');
  });

  it('lists order items with formatted prices and totals', () => {
    // Prepare
    const template = repositoryTemplate('order-confirmation');
    const variables = { ...template.meta.sample, currency: 'EUR', locale: 'de-DE', time_zone: 'Europe/Berlin', shipping: 0 };

    // Act
    const { html } = renderTemplate(template, variables, { baseUrl });

    // Assess
    expect(html).toContain('129,00\u00a0€');
    expect(html).toContain('>Free</td>');
    expect(html).toContain('14. März 2025');
    expect(html).toContain('href="https://app.example.com/orders/A-1042"');
  });

  it('puts the sender-supplied unsubscribe link in both parts of the newsletter', () => {
    // Act
    const { html, text } = renderTemplate(repositoryTemplate('newsletter'), repositoryTemplate('newsletter').meta.sample ?? {}, { extraVariables });

    // Assess
    expect(html).toContain('<a href="https://api.example.com/unsubscribe/tok_123"');
    expect(text).toContain('Unsubscribe: https://api.example.com/unsubscribe/tok_123');
  });

  it('fails the newsletter when the sender supplies no unsubscribe link', () => {
    // Act
    const error = catchError(() => renderTemplate(repositoryTemplate('newsletter'), repositoryTemplate('newsletter').meta.sample ?? {}, {}));

    // Assess
    expect(error.message).toMatch(/template "newsletter" \((html|text)\): variable "unsubscribe_url" is not defined/);
  });

  it('previews a template with its sample and placeholder URLs', () => {
    // Act
    const preview = renderTemplatePreview(repositoryTemplate('newsletter'));

    // Assess
    expect(preview.subject).toBe('Mailroom monthly: March');
    expect(preview.text).toContain('Unsubscribe: https://example.com/unsubscribe/preview');
    expect(preview.html).toContain('&copy; Mailroom');
  });
});

describe('variable validation', () => {
  it('names every missing and mistyped variable', () => {
    // Prepare
    const template = repositoryTemplate('order-confirmation');
    const { customer_name: _omitted, ...rest } = template.meta.sample ?? {};
    const variables = {
      ...rest,
      items: [
        { name: 'Pen', qty: 1.5, unit_price: 2 },
        { name: 'Ink', unit_price: 'free' },
      ],
    };

    // Act
    const error = catchError(() => validateTemplateVariables(template, variables));

    // Assess
    expect(error.code).toBe('validation_error');
    expect(error.statusCode).toBe(422);
    expect(error.message).toBe(
      'template "order-confirmation": variable "customer_name" is required; variable "items[0].qty" must be integer; ' +
        'variable "items[1].qty" is required; variable "items[1].unit_price" must be number',
    );
  });

  it('reports format and pattern problems', () => {
    // Act
    const error = catchError(() =>
      validateTemplateVariables(repositoryTemplate('password-reset'), { reset_url: 'javascript:alert(1)', expires_in_minutes: 0 }),
    );

    // Assess
    expect(error.message).toContain('variable "reset_url" must match pattern "^https://"');
    expect(error.message).toContain('variable "expires_in_minutes" must be >= 1');
  });

  it('rejects variables that are not an object', () => {
    expect(catchError(() => validateTemplateVariables(repositoryTemplate('welcome'), ['Ada'])).message).toBe('template "welcome": variables must be an object');
  });

  it("validates before rendering and does not change the caller's variables", () => {
    // Prepare
    const variables = { event_id: 'e1', event_title: 'Call', starts_at: '2025-06-02T14:30:00Z' };

    // Act
    const { text } = renderTemplate(repositoryTemplate('scheduled-reminder'), variables, { baseUrl });

    // Assess: the schema default filled time_zone in a copy
    expect(text).toContain('Times are shown in UTC.');
    expect(variables).toEqual({ event_id: 'e1', event_title: 'Call', starts_at: '2025-06-02T14:30:00Z' });
  });

  it('supports draft-07 schemas', () => {
    // Prepare
    const template = tenantTemplate({
      meta: {
        schema: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          $id: 'https://example.com/s',
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' } },
        },
      },
    });

    // Act & Assess
    expect(catchError(() => validateTemplateVariables(template, { name: 3 })).message).toBe(`template "${template.id}": variable "name" must be string`);
    expect(renderTemplate(template, { name: 'Ada' }).subject).toBe('Hi Ada');
  });

  it('reports an invalid schema as invalid_template', () => {
    const error = catchError(() => validateTemplateVariables(tenantTemplate({ meta: { schema: { type: 'no-such-type' } } }), {}));
    expect(error.code).toBe('invalid_template');
  });
});

describe('strict mode and optional variables', () => {
  it('names a variable the template uses but the caller did not give', () => {
    // Prepare
    const template = tenantTemplate({ html: '<p>Hello</p>\n<p>{{user.first_name}}</p>', subject: 'Hi' });

    // Act
    const error = catchError(() => renderTemplate(template, { user: {} }));

    // Assess
    expect(error.code).toBe('validation_error');
    expect(error.message).toBe(`template "${template.id}" (html): variable "user.first_name" is not defined (line 2)`);
  });

  it('renders schema-declared optional variables as empty and lets default replace them', () => {
    // Prepare
    const template = tenantTemplate({
      subject: 'Hi {{default nickname name}}',
      html: '<p>[{{nickname}}]{{#if nickname}}set{{/if}} {{default (lookup this "nickname") "there"}} {{#each tags}}{{label}}:{{color}};{{/each}}</p>',
      meta: {
        schema: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string' },
            nickname: { type: 'string' },
            tags: { type: 'array', items: { type: 'object', properties: { label: { type: 'string' }, color: { type: 'string' } } } },
          },
        },
      },
    });

    // Act
    const result = renderTemplate(template, { name: 'Ada', tags: [{ label: 'a' }] });

    // Assess
    expect(result.subject).toBe('Hi Ada');
    expect(result.html).toBe('<p>[] there a:;</p>');
  });

  it('escapes hostile variables in subject-safe and HTML-safe ways', () => {
    // Act
    const result = renderTemplate(
      repositoryTemplate('welcome'),
      { name: '<script>alert(1)</script>', nickname: 'Eve\r\nBcc: victim@example.com' },
      { baseUrl },
    );

    // Assess
    expect(result.html).toContain('Welcome, Eve\r\nBcc: victim@example.com!');
    expect(renderTemplate(repositoryTemplate('welcome'), { name: '<script>alert(1)</script>' }, { baseUrl }).html).toContain(
      'Welcome, &lt;script&gt;alert(1)&lt;/script&gt;!',
    );
    expect(result.subject).toBe('Welcome to Mailroom, Eve Bcc: victim@example.com!');
    expect(result.html).not.toContain('<script>');
  });

  it("lets system variables win over the caller's", () => {
    // Prepare
    const template = tenantTemplate({ html: '<a href="{{unsubscribe_url}}">u</a>' });

    // Act
    const { html } = renderTemplate(
      template,
      { name: 'x', unsubscribe_url: 'https://evil.example' },
      { extraVariables: { unsubscribe_url: 'https://api.example.com/u/1' } },
    );

    // Assess
    expect(html).toContain('href="https://api.example.com/u/1"');
  });

  it('refuses a template that reaches for the prototype', () => {
    const error = catchError(() => renderTemplate(tenantTemplate({ html: '{{constructor.constructor}}' }), { name: 'x' }));
    expect(error.code).toBe('invalid_template');
  });

  it('strips CR/LF from the subject', () => {
    expect(renderTemplate(tenantTemplate({ subject: 'Line one\r\n{{name}}\n' }), { name: 'two' }).subject).toBe('Line one two');
  });

  it('uses text.hbs when present, else converts the HTML with links kept', () => {
    // Prepare
    const withText = tenantTemplate({ html: '<p>{{name}}</p>', text: 'Plain {{name}} & more' });
    const withoutText = tenantTemplate({ html: '<p>Go to <a href="https://example.com/x">the page</a></p>' });

    // Act & Assess
    expect(renderTemplate(withText, { name: 'A&B' }).text).toBe('Plain A&B & more');
    expect(renderTemplate(withoutText, { name: 'x' }).text).toBe('Go to the page [https://example.com/x]');
  });
});

describe('compile cache', () => {
  beforeEach(() => clearTemplateCache());
  afterEach(() => vi.restoreAllMocks());

  it('compiles a template once per id and version', () => {
    // Prepare
    const compile = vi.spyOn(templateEnv, 'compile');
    const template = repositoryTemplate('newsletter');

    // Act
    for (let i = 0; i < 3; i += 1) renderTemplatePreview(template);
    renderTemplatePreview({ ...template });

    // Assess: subject, html and text, each once
    expect(compile).toHaveBeenCalledTimes(3);
    expect(cachedTemplateCount()).toBe(1);
  });

  it('compiles again for a new version', () => {
    // Prepare
    const compile = vi.spyOn(templateEnv, 'compile');
    const v1 = tenantTemplate();

    // Act
    renderTemplate(v1, { name: 'a' });
    renderTemplate({ ...v1, version: 2, html: '<p>v2 {{name}}</p>' }, { name: 'a' });

    // Assess
    expect(compile).toHaveBeenCalledTimes(4);
    expect(cachedTemplateCount()).toBe(2);
  });

  it('never serves a stale body when an id and version are reused', () => {
    // Prepare
    const v1 = tenantTemplate();
    renderTemplate(v1, { name: 'a' });

    // Act
    const { html } = renderTemplate({ ...v1, html: '<p>changed {{name}}</p>' }, { name: 'a' });

    // Assess
    expect(html).toBe('<p>changed a</p>');
    expect(cachedTemplateCount()).toBe(1);
  });

  it('keys the cache by source, id and version', () => {
    expect(templateCacheKey({ source: 'tenant', id: 'tpl_1', version: 3 })).toBe('tenant:tpl_1@3');
  });
});

describe('CSS inlined once per template version', () => {
  const collapse = (html: string) => html.replace(/\s+/g, ' ').trim();

  /** Renders both ways and expects the same email; returns the compiled one. */
  function renderBothWays(template: LoadedTemplate, variables: Record<string, unknown>, options = { baseUrl, extraVariables }) {
    const compiled = renderTemplate(template, variables, options);
    const perRender = renderTemplateInliningPerRender(template, variables, options);
    expect(collapse(compiled.html)).toBe(collapse(perRender.html));
    expect(compiled.text).toBe(perRender.text);
    expect(compiled.subject).toBe(perRender.subject);
    return compiled;
  }

  /** The sample with only the schema's required top-level variables: every optional block off. */
  function requiredOnly(template: LoadedTemplate): Record<string, unknown> {
    const required = new Set(((template.meta.schema ?? {}) as { required?: string[] }).required ?? []);
    return Object.fromEntries(Object.entries(template.meta.sample ?? {}).filter(([key]) => required.has(key)));
  }

  describe.each([...repositoryTemplates.keys()])('%s', (id) => {
    const template = repositoryTemplate(id);

    it('inlines its CSS at compile time', () => {
      expect(cssInliningOf(template)).toBe('compiled');
    });

    it('renders the same HTML and text as inlining every rendered email, with its sample', () => {
      renderBothWays(template, template.meta.sample ?? {});
    });

    it('renders the same HTML and text as inlining every rendered email, with only the required variables', () => {
      renderBothWays(template, requiredOnly(template));
    });
  });

  it('renders order rows from {{#each}} between <tr>s in place, for 1 to 4 items', () => {
    // Prepare
    const template = repositoryTemplate('order-confirmation');
    const item = { name: 'Pen', qty: 1, unit_price: 2 };

    for (const count of [1, 2, 4]) {
      // Act
      const { html } = renderBothWays(template, { ...template.meta.sample, items: Array.from({ length: count }, (_, i) => ({ ...item, name: `Pen ${i}` })) });

      // Assess: every row is inside the tbody, styled like a data-table cell
      const tbody = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
      expect(tbody.match(/<tr>/g)).toHaveLength(count);
      expect(tbody).toMatch(/<td style="padding: 8px 0; border-bottom: 1px solid #e5e7eb; font-size: 15px;">Pen 0<\/td>/);
    }
  });

  it('keeps hostile values escaped and un-styled', () => {
    // Prepare
    const hostile = '<p class="muted" style="x">{{brand.name}}</p> & <style>.a{}</style>';

    // Act
    const { html } = renderBothWays(repositoryTemplate('welcome'), { name: 'Ada', nickname: hostile, plan: '"><script>alert(1)</script>' });

    // Assess
    expect(html).toContain(
      'Welcome, &lt;p class&#x3D;&quot;muted&quot; style&#x3D;&quot;x&quot;&gt;{{brand.name}}&lt;/p&gt; &amp; &lt;style&gt;.a{}&lt;/style&gt;!',
    );
    expect(html).toMatch(/<h1 style="margin: 0 0 16px 0;[^"]*">Welcome, &lt;p/);
    expect(html).toContain('<strong>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</strong>');
    expect(html).not.toContain('<script>');
  });

  it('gives the same email as per-render inlining for any variable values', () => {
    const template = repositoryTemplate('order-confirmation');
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
        fc.array(
          fc.record({ name: fc.string({ minLength: 1, maxLength: 30 }), qty: fc.integer({ min: 1, max: 9 }), unit_price: fc.integer({ min: 0, max: 999 }) }),
          { minLength: 1, maxLength: 3 },
        ),
        (customerName, items) => {
          const variables = { ...template.meta.sample, customer_name: customerName, items };
          const compiled = renderTemplate(template, variables, { baseUrl });
          const perRender = renderTemplateInliningPerRender(template, variables, { baseUrl });
          expect(collapse(compiled.html)).toBe(collapse(perRender.html));
          expect(compiled.text).toBe(perRender.text);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('inlines a tenant template with its own document and <style> at compile time', () => {
    // Prepare
    const template = tenantTemplate({
      html:
        '<!DOCTYPE html><html><head><style>.note { color: #b91c1c; } td.cell p { margin: 0; } @media (max-width: 600px) { .note { color: red !important; } }</style></head>' +
        '<body><table class="grid">{{#each rows}}<tr><td class="cell"><p class="note">{{this}}</p></td></tr>{{/each}}</table><a href="{{url "x"}}">{{name}}</a></body></html>',
    });

    // Act
    const { html } = renderBothWays(template, { name: 'Ada', rows: ['a', 'b'] });

    // Assess
    expect(cssInliningOf(template)).toBe('compiled');
    expect(html).toContain('<p class="note" style="color: #b91c1c; margin: 0;">a</p>');
    expect(html).toContain('<p class="note" style="color: #b91c1c; margin: 0;">b</p>');
    expect(html).toMatch(/<style>\s*@media \(max-width: 600px\)/);
  });

  it("inlines a tenant template's own <style> together with the shipped layout and partials", () => {
    // Prepare
    const template = tenantTemplate({
      subject: 'Invoice {{number}}',
      html: '{{#> layouts/base title="Invoice"}}<style>.amount { font-weight: bold; }</style><p>Invoice <span class="amount">{{amount}}</span></p>{{> partials/button href=(url "invoices" number) label="View"}}{{/layouts/base}}',
    });

    // Act
    const { html } = renderBothWays(template, { amount: '12 €', number: 'INV-1' });

    // Assess
    expect(cssInliningOf(template)).toBe('compiled');
    expect(html).toContain('<span class="amount" style="font-weight: bold;">12 €</span>');
    expect(html).toMatch(/<td class="content" style="padding: 32px;[^"]*">/);
    expect(html).toContain('href="https://app.example.com/invoices/INV-1"');
  });

  it.each([
    [
      'a class from a variable',
      '<style>.warn { color: red; }</style><p class="{{kind}}">{{name}}</p>',
      { kind: 'warn', name: 'x' },
      '<p class="warn" style="color: red;">x</p>',
    ],
    [
      'a position-dependent selector',
      '<style>p:first-child { color: red; }</style><div>{{#each rows}}<p>{{this}}</p>{{/each}}</div>',
      { rows: ['a', 'b'] },
      '<p style="color: red;">a</p><p>b</p>',
    ],
    ['unescaped output', '<style>b { color: red; }</style><p>{{{snippet}}}</p>', { snippet: '<b>x</b>' }, '<b style="color: red;">x</b>'],
    [
      'a block that opens an element it does not close',
      '<style>.a b { color: red; }</style>{{#if open}}<div class="a">{{/if}}<b>x</b>{{#if open}}</div>{{/if}}',
      { open: true },
      '<b style="color: red;">x</b>',
    ],
  ])('inlines per render when the styles depend on the variables: %s', (_case, html, variables, expected) => {
    // Prepare
    const template = tenantTemplate({ subject: 'Hi', html });

    // Act
    const rendered = renderBothWays(template, variables);

    // Assess
    expect(cssInliningOf(template)).toBe('per-render');
    expect(rendered.html).toContain(expected);
  });
});
