// The sync status line: one live region (role="status") that assistive technology
// reads out when it changes, and that tests read. The sync session will report its
// state here (phase, edits waiting, last error); the shell reports enrolment.

/**
 * @typedef {object} SyncState
 * @property {"not-enrolled" | "enrolled" | "connecting" | "synced" | "offline" | "error"} phase
 * @property {number} waiting  local edits the relay has not yet acknowledged
 * @property {string} [space]  the enrolled space
 * @property {string} [error]  the last error in words, with its code where there is one
 */

/**
 * The words for a state; always says how many edits are waiting once enrolled.
 * @param {SyncState} state
 * @returns {string}
 */
export function describe(state) {
  const waiting = state.waiting === 1 ? "1 edit waiting" : `${state.waiting} edits waiting`;
  switch (state.phase) {
    case "not-enrolled":
      return "Not connected to a space yet.";
    case "enrolled":
      return `Space ${state.space}: not synced yet · ${waiting}.`;
    case "connecting":
      return `Space ${state.space}: connecting… · ${waiting}.`;
    case "synced":
      return `Space ${state.space}: up to date · ${waiting}.`;
    case "offline":
      return `Space ${state.space}: offline${state.error ? ` (${state.error})` : ""} · ${waiting}.`;
    case "error":
      return `Space ${state.space}: ${state.error ?? "sync failed"} · ${waiting}.`;
  }
}

/**
 * Bind the status line to an element.
 * @param {HTMLElement} element  the role="status" element
 * @returns {{ show(state: SyncState): void, current(): SyncState | null }}
 */
export function statusLine(element) {
  /** @type {SyncState | null} */
  let last = null;
  return {
    show(state) {
      last = state;
      const text = describe(state);
      // Writing the same text again would make some screen readers repeat it.
      if (element.textContent !== text) element.textContent = text;
      element.dataset.phase = state.phase;
    },
    current() {
      return last;
    },
  };
}
