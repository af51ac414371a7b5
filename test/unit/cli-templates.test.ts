import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryTemplateStore } from '#shared/adapters/memory/memory-template-store';
import { previewToFile } from '../../cli/commands/templates';
import { CliError } from '../../cli/target';

const dir = mkdtempSync(join(tmpdir(), 'mailroom-preview-'));

describe('mailroom templates preview', () => {
  it('renders a repository template with a variables file into an HTML file and a text file, with no stack', async () => {
    const vars = join(dir, 'vars.json');
    writeFileSync(vars, JSON.stringify({ name: 'Grace <b>Hopper</b>' }));
    const result = await previewToFile('welcome', { vars, out: join(dir, 'welcome.html') });
    expect(result.subject).toBe('Welcome to Mailroom, Grace <b>Hopper</b>!');
    expect(result.htmlPath).toBe(join(dir, 'welcome.html'));
    const html = readFileSync(result.htmlPath, 'utf8');
    expect(html).toContain('Grace &lt;b&gt;Hopper&lt;/b&gt;');
    expect(html).toContain('style="');
    expect(readFileSync(join(dir, 'welcome.txt'), 'utf8')).toContain('Grace <b>Hopper</b>');
  });

  it("renders a tenant's own draft when a tenant is named", async () => {
    const templates = new MemoryTemplateStore();
    await templates.create({
      tenantId: 'acme',
      id: 'hello',
      name: 'Hello',
      subject: 'Hi {{who}}',
      html: '<p>Hi {{who}}</p>',
      sample: { who: 'there' },
      lastVersion: 0,
      createdAt: 'a',
      updatedAt: 'a',
    });
    const result = await previewToFile('hello', { tenant: 'acme', out: join(dir, 'hello.html') }, { templates, clock: { now: () => new Date() } });
    expect(result).toMatchObject({ subject: 'Hi there', version: 'draft' });
    expect(readFileSync(result.htmlPath, 'utf8')).toContain('<p>Hi there</p>');
  });

  it('fails with a usage error for an unknown template or a bad variables file', async () => {
    await expect(previewToFile('no-such-template', { out: join(dir, 'x.html') })).rejects.toThrow(CliError);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[1,2]');
    await expect(previewToFile('welcome', { vars: bad, out: join(dir, 'y.html') })).rejects.toThrow(/JSON object/);
    const missing = join(dir, 'missing.json');
    writeFileSync(missing, '{}');
    await expect(previewToFile('welcome', { vars: missing, out: join(dir, 'z.html') })).rejects.toThrow(/"name" is required/);
  });
});
