import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/domain/errors';
import { createTemplateEnv, type TemplateRenderData, templateEnv } from '#shared/rendering/template-env';

const render = (source: string, context: Record<string, unknown> = {}, data: TemplateRenderData = {}) => templateEnv.compile(source, 'html')(context, data);

describe('template environment', () => {
  describe('escaping and prototype access', () => {
    it('escapes hostile input in HTML', () => {
      // Act
      const html = render('<p>{{name}}</p>', { name: '<script>alert(1)</script>' });

      // Assess
      expect(html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    });

    it('does not escape plain-text parts (subject, text)', () => {
      expect(templateEnv.compile('{{name}}', 'plain')({ name: 'Tom & Jerry <3' }, {})).toBe('Tom & Jerry <3');
    });

    it.each([
      '{{constructor}}',
      '{{__proto__}}',
      '{{constructor.constructor}}',
      '{{#with constructor}}{{name}}{{/with}}',
      '{{name.__proto__}}',
      '{{#with "s" as |string|}}{{#with string.constructor}}{{this "return process"}}{{/with}}{{/with}}',
    ])('refuses to compile %s', (source) => {
      expect(() => templateEnv.compile(source, 'html')).toThrow(/prototype access/);
    });

    it('resolves prototype properties reached through lookup to nothing', () => {
      // Act
      const html = render('[{{lookup this "constructor"}}][{{lookup (lookup this "constructor") "constructor"}}][{{lookup name "toString"}}]', { name: 'x' });

      // Assess
      expect(html).toBe('[][][]');
    });

    it('never runs code smuggled in through a variable', () => {
      // Prepare
      const payload = '{{#with "s" as |string|}}{{#with string.constructor}}{{this.constructor "return process"}}{{/with}}{{/with}}';

      // Act
      const html = render('{{payload}}', { payload });

      // Assess: variables are data, never compiled again
      expect(html).toBe(payload.replace(/"/g, '&quot;').replace(/=/g, '&#x3D;'));
    });

    it('keeps the isolated instance apart from the global Handlebars', async () => {
      const { default: Handlebars } = await import('handlebars');
      expect(Handlebars.helpers.formatDate).toBeUndefined();
      expect(templateEnv.handlebars.helpers.formatDate).toBeTypeOf('function');
    });
  });

  describe('strict mode', () => {
    it('throws when a variable is missing', () => {
      expect(() => render('Hello {{name}}', {})).toThrow(/"name" not defined/);
    });

    it('lets helpers receive an absent optional value', () => {
      expect(render('Hi {{default (lookup this "nickname") "there"}}')).toBe('Hi there');
      expect(render('Hi {{default nickname "there"}}')).toBe('Hi there');
      expect(render('{{#if nickname}}yes{{else}}no{{/if}}')).toBe('no');
    });

    it('renders a null (declared but absent) variable as empty', () => {
      expect(render('[{{nickname}}]', { nickname: null })).toBe('[]');
    });

    it('reports a syntax error as invalid_template', () => {
      // Act
      const error = catchError(() => templateEnv.compile('{{#if x}}open', 'html', 'broken'));

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ code: 'invalid_template' });
      expect((error as Error).message).toMatch(/^broken: /);
    });
  });

  describe('formatDate', () => {
    const at = '2025-03-14T23:30:00Z';

    it('defaults to en-US, UTC, medium date', () => {
      expect(render('{{formatDate at}}', { at })).toBe('Mar 14, 2025');
    });

    it('honours locale, timeZone, dateStyle and timeStyle', () => {
      // Act
      const html = render('{{formatDate at locale="de-DE" timeZone="Europe/Berlin" dateStyle="long" timeStyle="short"}}', { at });

      // Assess: 23:30 UTC is already the next day in Berlin
      expect(html).toBe('15. März 2025 um 00:30');
    });

    it('accepts epoch milliseconds and Date objects', () => {
      expect(render('{{formatDate at dateStyle="short"}}', { at: Date.parse(at) })).toBe('3/14/25');
      expect(render('{{formatDate at dateStyle="short"}}', { at: new Date(at) })).toBe('3/14/25');
    });

    it('rejects an invalid date and an unknown style', () => {
      expect(() => render('{{formatDate at}}', { at: 'not a date' })).toThrow(/formatDate: "not a date" is not a valid date/);
      expect(() => render('{{formatDate at dateStyle="huge"}}', { at })).toThrow(/dateStyle must be/);
      expect(() => render('{{formatDate at timeZone="Mars/Olympus"}}', { at })).toThrow(ValidationError);
    });
  });

  describe('formatCurrency', () => {
    it('formats EUR in de-DE', () => {
      expect(render('{{formatCurrency amount "EUR" locale="de-DE"}}', { amount: 1234.5 })).toBe('1.234,50\u00a0€');
    });

    it('defaults to en-US and accepts numeric strings', () => {
      expect(render('{{formatCurrency amount currency}}', { amount: '19.9', currency: 'USD' })).toBe('$19.90');
    });

    it('rejects a non-number amount and a bad currency code', () => {
      expect(() => render('{{formatCurrency amount "EUR"}}', { amount: 'ten' })).toThrow(/amount "ten" is not a number/);
      expect(() => render('{{formatCurrency amount "euro"}}', { amount: 1 })).toThrow(/currency "euro" is not an ISO 4217 code/);
    });
  });

  describe('eq and ifEquals', () => {
    it('eq returns a boolean for use in subexpressions', () => {
      expect(render('{{#if (eq status "paid")}}paid{{else}}open{{/if}}', { status: 'paid' })).toBe('paid');
      expect(render('{{#if (eq status "paid")}}paid{{else}}open{{/if}}', { status: 'due' })).toBe('open');
      expect(render('{{eq 1 "1"}}')).toBe('false');
    });

    it('ifEquals renders its block or its else block', () => {
      const source = '{{#ifEquals plan "pro"}}Pro {{name}}{{else}}Free {{name}}{{/ifEquals}}';
      expect(render(source, { plan: 'pro', name: 'Ada' })).toBe('Pro Ada');
      expect(render(source, { plan: 'free', name: 'Ada' })).toBe('Free Ada');
    });
  });

  describe('url', () => {
    const data = { baseUrl: 'https://app.example.com/' };

    it('joins the base URL and a path without double slashes', () => {
      expect(render('{{url "/login"}}', {}, data)).toBe('https://app.example.com/login');
      expect(render('{{url "login"}}', {}, { baseUrl: 'https://app.example.com' })).toBe('https://app.example.com/login');
      expect(render('{{url "//evil.example/x"}}', {}, data)).toBe('https://app.example.com/evil.example/x');
    });

    it('appends further arguments as encoded segments', () => {
      expect(render('{{url "/orders/" id "items"}}', { id: 'A/1 2' }, data)).toBe('https://app.example.com/orders/A%2F1%202/items');
    });

    it('keeps query strings (HTML-escaped in the output)', () => {
      expect(render('{{url "reset?token=a&b=c"}}', {}, data)).toBe('https://app.example.com/reset?token&#x3D;a&amp;b&#x3D;c');
    });

    it('passes absolute http(s) and mailto URLs through', () => {
      expect(render('{{{url link}}}', { link: 'https://other.example/a?b=1' })).toBe('https://other.example/a?b=1');
      expect(render('{{{url link}}}', { link: 'mailto:help@example.com' })).toBe('mailto:help@example.com');
    });

    it.each(['javascript:alert(1)', 'JavaScript:alert(1)', ' java\tscript:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:msgbox'])('refuses %j', (link) => {
      expect(() => render('{{url link}}', { link }, data)).toThrow(/scheme is not allowed/);
    });

    it('refuses a relative path without a base URL, and a non-http base URL', () => {
      expect(() => render('{{url "login"}}')).toThrow(/no base URL/);
      expect(() => render('{{url "login"}}', {}, { baseUrl: 'javascript:alert(1)//' })).toThrow(/must be http\(s\)/);
    });

    it('exposes the base URL as @baseUrl', () => {
      expect(render('{{@baseUrl}}', {}, data)).toBe('https://app.example.com/');
    });
  });

  describe('default', () => {
    it('falls back on undefined, null and the empty string only', () => {
      expect(render('{{default a "x"}}|{{default b "x"}}|{{default c "x"}}|{{default d "x"}}|{{default e "x"}}', { b: null, c: '', d: 0, e: false })).toBe(
        'x|x|x|0|false',
      );
    });
  });

  describe('layouts and partials', () => {
    it('registers layouts as layouts/<name> and partials as partials/<name>', () => {
      // Prepare
      const env = createTemplateEnv({ layouts: { plain: '<main>{{> @partial-block}}</main>' }, partials: { hello: '<b>{{who}}</b>' } });

      // Act
      const html = env.compile('{{#> layouts/plain}}{{> partials/hello who=name}}{{/layouts/plain}}', 'html')({ name: '<Ada>' }, {});

      // Assess
      expect(html).toBe('<main><b>&lt;Ada&gt;</b></main>');
    });

    it('escapes inside partials even when a plain-text part used them first', () => {
      // Prepare
      const env = createTemplateEnv({ layouts: {}, partials: { name: '{{name}}' } });

      // Act
      const plain = env.compile('{{> partials/name}}', 'plain')({ name: '<b>' }, {});
      const html = env.compile('{{> partials/name}}', 'html')({ name: '<b>' }, {});

      // Assess
      expect(plain).toBe('&lt;b&gt;');
      expect(html).toBe('&lt;b&gt;');
    });
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
