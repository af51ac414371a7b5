import { createContext, useContext, useState, type ReactNode } from 'react';

/** Times are shown in the browser's zone or in UTC (a per-device preference, not a secret). */
export type Zone = 'local' | 'utc';
const ZONE_STORAGE = 'mailroom.console.timeZone';

interface ZoneState {
  readonly zone: Zone;
  setZone(zone: Zone): void;
}

const ZoneContext = createContext<ZoneState>({ zone: 'local', setZone: () => {} });

export function ZoneProvider({ children }: { children: ReactNode }) {
  const [zone, setZoneState] = useState<Zone>(() => (localStorage.getItem(ZONE_STORAGE) === 'utc' ? 'utc' : 'local'));
  const setZone = (z: Zone) => {
    if (z === 'utc') localStorage.setItem(ZONE_STORAGE, 'utc');
    else localStorage.removeItem(ZONE_STORAGE);
    setZoneState(z);
  };
  return <ZoneContext.Provider value={{ zone, setZone }}>{children}</ZoneContext.Provider>;
}

export const useZone = () => useContext(ZoneContext);

/** The IANA name of the zone times are shown (and typed) in. */
export function zoneName(zone: Zone): string {
  return zone === 'utc' ? 'UTC' : (Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'local time');
}

/** A date and time with its zone, e.g. "Dec 1, 2026, 09:00:00 GMT+1" or "… UTC". */
export function formatTime(iso: string, zone: Zone): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
    ...(zone === 'utc' ? { timeZone: 'UTC' } : {}),
  });
}

/** A `<time>` in the chosen zone; the exact instant (ISO, UTC) is its tooltip. */
export function Time({ value }: { value: string | null | undefined }) {
  const { zone } = useZone();
  if (!value) return <>—</>;
  return (
    <time dateTime={value} title={value}>
      {formatTime(value, zone)}
    </time>
  );
}

/** The header switch between the browser's zone and UTC. */
export function ZoneToggle() {
  const { zone, setZone } = useZone();
  return (
    <button
      type="button"
      className="secondary zone"
      aria-pressed={zone === 'utc'}
      title={`Times are shown in ${zoneName(zone)}`}
      onClick={() => setZone(zone === 'utc' ? 'local' : 'utc')}
    >
      UTC
    </button>
  );
}
