/** Approve, disabled with the reason when the two-person rule keeps this person from approving. */
export function ApproveButton({
  busy,
  blocker,
  onApprove,
}: {
  busy: boolean;
  blocker: string | null;
  onApprove(): void;
}) {
  return (
    <>
      <button type="button" disabled={busy || blocker !== null} onClick={onApprove} aria-describedby="approve-why">
        Approve
      </button>
      {blocker === null ? null : (
        <span id="approve-why" className="muted" role="note">
          {blocker}
        </span>
      )}
    </>
  );
}
