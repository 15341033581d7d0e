// Which records have edits the relay has not acknowledged yet, so that the app can mark
// them "waiting" in lists and on their screen, across reloads.
//
// Each local edit notes its record with the replica's newest log seq (the edit's own);
// an acknowledgement from the relay up to an outbox seq clears every record noted at or
// before it. The notes are kept in the replica's meta ("app.waiting"), so a phone that
// is reloaded offline still knows which records wait. When the outbox is empty nothing
// can wait, whatever the notes say (a crash between an acknowledgement and its note).

const META = "app.waiting";

export class Waiting {
  /**
   * @param {{ getMeta(key: string): string | null, setMeta(values: Record<string, string>): Promise<void>,
   *   outbox(afterSeq?: number, limit?: number): Promise<unknown[]> }} replica
   */
  constructor(replica) {
    this.replica = replica;
    /** "kind/id" → the log seq of its newest unacknowledged edit. @type {Map<string, number>} */
    this.notes = new Map();
    try {
      const stored = JSON.parse(replica.getMeta(META) ?? "{}");
      for (const [key, seq] of Object.entries(stored)) {
        if (typeof seq === "number") this.notes.set(key, seq);
      }
    } catch {
      // unreadable notes: start afresh (they only decorate the lists)
    }
  }

  /** Forget the notes if nothing waits in the outbox. */
  async settle() {
    if (this.notes.size && (await this.replica.outbox(0, 1)).length === 0) {
      this.notes.clear();
      await this.save();
    }
  }

  /** A local edit of `kind`/`id` was stored as log entry `seq`. @param {string} kind @param {string} id @param {number} seq */
  async edited(kind, id, seq) {
    this.notes.set(`${kind}/${id}`, seq);
    await this.save();
  }

  /** The relay holds every outbox entry up to `seq`. @param {number} seq */
  async acknowledged(seq) {
    let changed = false;
    for (const [key, noted] of this.notes) {
      if (noted <= seq) {
        this.notes.delete(key);
        changed = true;
      }
    }
    if (changed) await this.save();
  }

  /** The waiting records, as "kind/id". */
  keys() {
    return [...this.notes.keys()];
  }

  async save() {
    await this.replica.setMeta({ [META]: JSON.stringify(Object.fromEntries(this.notes)) });
  }
}
