import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';

/** What a confirmation asks: what happens, to what, and whether it can be undone. */
export interface ConfirmRequest {
  readonly title: string;
  readonly body: ReactNode;
  /** The confirming button's text, e.g. "Cancel email" (a verb, never "OK"). */
  readonly confirmLabel: string;
  readonly keepLabel?: string;
}

type Confirm = (request: ConfirmRequest) => Promise<boolean>;

const ConfirmContext = createContext<Confirm>(async () => false);

/** `await confirm({...})` is true only when the operator pressed the confirming button. */
export const useConfirm = () => useContext(ConfirmContext);

/**
 * One modal `<dialog>` for every destructive action: it traps focus, Escape closes it (= keep), and
 * focus starts on the safe button so a stray Enter does nothing harmful.
 */
export function ConfirmProvider({ children }: { children: ReactNode }) {
  const [pending, setPending] = useState<(ConfirmRequest & { resolve: (ok: boolean) => void }) | undefined>();
  const dialog = useRef<HTMLDialogElement>(null);
  const confirm = useCallback<Confirm>((request) => new Promise<boolean>((resolve) => setPending({ ...request, resolve })), []);
  useEffect(() => {
    if (pending && dialog.current && !dialog.current.open) dialog.current.showModal();
  }, [pending]);
  const finish = (ok: boolean) => {
    pending?.resolve(ok);
    setPending(undefined);
    dialog.current?.close();
  };
  return (
    <ConfirmContext.Provider value={confirm}>
      {children}
      <dialog ref={dialog} className="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-body" onClose={() => pending && finish(false)}>
        {pending ? (
          <form method="dialog" onSubmit={(e) => e.preventDefault()}>
            <h2 id="confirm-title">{pending.title}</h2>
            <div id="confirm-body">{pending.body}</div>
            <div className="actions">
              {/* biome-ignore lint/a11y/noAutofocus: a confirmation must start on the harmless choice. */}
              <button type="button" className="secondary" autoFocus onClick={() => finish(false)}>
                {pending.keepLabel ?? 'Keep it'}
              </button>
              <button type="button" className="danger solid" onClick={() => finish(true)}>
                {pending.confirmLabel}
              </button>
            </div>
          </form>
        ) : null}
      </dialog>
    </ConfirmContext.Provider>
  );
}
