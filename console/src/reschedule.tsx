import { parseDate } from 'chrono-node/en';
import { useState, type FormEvent } from 'react';
import type { EmailSummary } from './api';
import { useApi } from './session';
import { formatTime, useZone, zoneName, type Zone } from './time';
import { ErrorBox } from './ui';

/**
 * Reads a send time the way the operator means it: in the zone the console shows times in (the
 * browser's, or UTC with the toggle), not in the API's UTC. "tomorrow at 9am" in Berlin is 08:00Z.
 */
export function parseSendTime(text: string, zone: Zone, now = new Date()): Date | undefined {
  const value = text.trim();
  if (!value) return undefined;
  const reference = zone === 'utc' ? { instant: now, timezone: 0 } : now;
  return parseDate(value, reference, { forwardDate: true }) ?? undefined;
}

export function RescheduleForm({ email, onDone }: { email: EmailSummary; onDone: (message: string) => void }) {
  const api = useApi();
  const { zone } = useZone();
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const id = `reschedule-${email.id}`;
  const parsed = parseSendTime(value, zone);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    if (!parsed) {
      setError(new Error(`“${value.trim()}” is not a time the console can read; try “in 2 hours”, “tomorrow at 9am” or 2026-12-24 09:00.`));
      return;
    }
    setBusy(true);
    try {
      await api.rescheduleEmail(email.id, parsed.toISOString());
      setValue('');
      onDone(`Rescheduled “${email.subject ?? email.id}” to ${formatTime(parsed.toISOString(), zone)}.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline reschedule" onSubmit={submit}>
      <label htmlFor={id} className="sr-only">
        New send time for {email.subject ?? email.id}
      </label>
      <input
        id={id}
        type="text"
        placeholder={`e.g. tomorrow 9am (${zoneName(zone)})`}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        aria-describedby={`${id}-reads`}
        required
      />
      <button type="submit" className="secondary" disabled={busy || !value.trim()}>
        Reschedule
      </button>
      <small id={`${id}-reads`} className="hint reads" data-testid="reschedule-reads">
        {value.trim() ? (parsed ? `→ ${formatTime(parsed.toISOString(), zone)}` : 'Not a time yet') : `Times are read in ${zoneName(zone)}`}
      </small>
      <ErrorBox error={error} />
    </form>
  );
}
