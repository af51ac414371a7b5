import { useEffect, useRef, type ReactNode } from 'react';
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
  // The form that asked for it may be far below: bring the secret into view and focus, so it is not missed.
  const ref = useRef<HTMLElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again for each new secret shown.
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    ref.current?.focus();
  }, [value]);
  return (
    <section className="once" aria-labelledby="once-title" role="status" ref={ref} tabIndex={-1}>
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
