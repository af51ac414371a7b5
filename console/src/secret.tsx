import type { ReactNode } from 'react';
import { CopyButton } from './ui';

/**
 * A secret the API answers once (a webhook's signing secret, an API key's token): shown with a Copy
 * button and a plain warning, until the operator dismisses it. The page never stores or shows it again.
 */
export function ShownOnce({
  title,
  value,
  label,
  children,
  onDone,
}: {
  title: string;
  value: string;
  label: string;
  children?: ReactNode;
  onDone: () => void;
}) {
  return (
    <section className="once" aria-labelledby="once-title" role="status">
      <h2 id="once-title">{title}</h2>
      <p className="copyable">
        <code data-testid="shown-once">{value}</code>
        <CopyButton value={value} label={label} />
      </p>
      <p>
        <strong>Copy it now: you won’t see it again.</strong> {children}
      </p>
      <button type="button" className="secondary" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}
