// A modal that asks before an action changes something, and shows the API's refusal in place.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export function ConfirmDialog(props: {
  title: string;
  confirmLabel: string;
  danger?: boolean;
  dismissLabel?: string;  // "Cancel" unless the action itself is a cancel
  children?: ComponentChildren;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
      props.onClose();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };
  return (
    <div class="overlay" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <form class="dialog" aria-label={props.title} onSubmit={confirm}>
        <h3>{props.title}</h3>
        {props.children}
        {error && (
          <div class="error" role="alert">
            {error}
          </div>
        )}
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            {props.dismissLabel ?? 'Cancel'}
          </button>
          <button type="submit" class={props.danger ? 'danger' : 'primary'} disabled={busy}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </div>
  );
}
