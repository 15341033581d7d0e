// The app's screens: contacts (with search and a group filter), a contact, its form,
// companies, opportunities, activities, conflicts, the trash and sync. Navigation is by
// the address's fragment (#/contact/<id> …), so the back button works and a screen can be
// reloaded. Every record comes from the rows the worker sends (screens/model.js); every
// change goes to the worker, whose engine validates it and answers with its own words.

import schema from "../../src/schema.json" with { type: "json" };
import { RemoteError } from "../rpc.js";
import { h, localInputValue, readableTime } from "./dom.js";
import { VirtualList } from "./list.js";
import { RowSet, recordName } from "./model.js";
import { textChange } from "../text_change.js";

/** @typedef {import("../rpc.js").Remote} Remote */
/** @typedef {import("../../src/storage/types.js").Row} Row */
/** @typedef {import("../connection.js").SyncStatus} SyncStatus */
/** @typedef {{ type: string, label: string, choices: unknown[] }} FieldSpec */

const KINDS = /** @type {Record<string, { fields: Record<string, FieldSpec>, required: string[] }>} */ (
  /** @type {any} */ (schema).kinds);

// The fields a contact form shows first, in the order people fill them in; the rest of the
// schema's fields follow under "More fields", by label.
const CONTACT_FIRST = ["first_name", "last_name", "company", "job_title", "email",
  "mobile_phone", "business_phone", "home_phone", "business_address_line1",
  "business_address_line2", "business_address_city", "business_address_state",
  "business_address_postal_code", "business_address_country"];
const NOT_TYPED = new Set(["ids", "id", "json"]);
/** What the trash lists, in this order, with the word for each. */
const TRASH_KINDS = [["contact", "contact"], ["company", "company"], ["opportunity", "opportunity"],
  ["group", "group"], ["note", "note"], ["history", "history"], ["activity", "activity"]];
/** Where the schedule's setting is kept (minutes between syncs while the app is open). */
export const SCHEDULE_KEY = "handsync.syncMinutes";
const DEFAULT_MINUTES = 15;
const FORM_FIRST = /** @type {Record<string, string[]>} */ ({
  contact: CONTACT_FIRST, company: ["name", "phone", "website", "address_city"],
  opportunity: ["name", "stage", "probability", "estimated_close_date"],
  note: ["text"], history: ["regarding", "details", "start_time"],
  activity: ["subject", "start_time", "end_time", "location", "details"],
});

export class App {
  /**
   * @param {HTMLElement} root where the screens go
   * @param {Remote} remote the engine's worker
   * @param {{ space: string, relay: string }} device what this device syncs with
   * @param {(status: SyncStatus) => void} showSync shows the sync status in the page's
   *   status line (a live region, role status)
   */
  constructor(root, remote, device, showSync) {
    this.device = device;
    this.root = root;
    this.remote = remote;
    this.rows = new RowSet();
    /** @type {SyncStatus | null} */
    this.sync = null;
    this.ready = false;
    this.query = "";
    this.group = "";
    this.showSync = showSync;
    this.notice = h("p", { className: "error", role: "alert" });
    this.main = h("main", { id: "screen" });
    this.conflictLink = h("a", { href: "#/conflicts", className: "conflicts" });
    root.replaceChildren(
      h("header", { className: "bar sections" },
        h("nav", { "aria-label": "Sections" },
          h("a", { href: "#/contacts" }, "Contacts"), h("a", { href: "#/companies" }, "Companies"),
          h("a", { href: "#/opportunities" }, "Opportunities"),
          h("a", { href: "#/activities" }, "Activities"), h("a", { href: "#/trash" }, "Trash"),
          h("a", { href: "#/sync" }, "Sync"), this.conflictLink)),
      this.notice, this.main);
    remote.on("rows", (/** @type {{ kind: string, rows: Row[], replace: boolean }} */ data) => {
      this.rows.put(data.kind, data.rows, data.replace);
      this.refresh();
    });
    remote.on("ready", (/** @type {{ locale?: string }} */ data) => {
      this.ready = true;
      if (data.locale) this.rows.setLocale(data.locale);
      this.refresh();
    });
    remote.on("waiting", (/** @type {string[]} */ keys) => {
      this.rows.waiting = new Set(keys);
      this.refresh();
    });
    remote.on("locale", (/** @type {{ locale: string }} */ data) => {
      this.rows.setLocale(data.locale);
      this.refresh();
    });
    remote.on("status", (/** @type {SyncStatus} */ status) => {
      this.sync = status;
      this.showSync(status);
      if (location.hash === "#/sync") this.route();
    });
    addEventListener("hashchange", () => this.route());
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.scheduleTimer = undefined;
    this.minutes = Number(localStorage.getItem(SCHEDULE_KEY)) || DEFAULT_MINUTES;
    this.nextSync = 0;
    this.schedule(this.minutes);
    // Back on screen, or back online: sync now rather than at the end of a wait.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.act(this.remote.call("scheduledSync"));
    });
    addEventListener("online", () => this.act(this.remote.call("scheduledSync")));
    /** @type {(() => void) | null} what re-draws the current screen when rows change */
    this.redraw = null;
    /** @type {((body: string) => void) | null} a note's box, told of its body's changes */
    this.noteChanged = null;
    this.route();
  }

  refresh() {
    const count = this.rows.conflictCount();
    this.conflictLink.textContent = count ? `Conflicts (${count})` : "Conflicts";
    this.conflictLink.classList.toggle("waiting", count > 0);
    this.redraw?.();
  }

  /** Sync at least every `minutes` while the app is open (the worker syncs live besides).
   * @param {number} minutes */
  schedule(minutes) {
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 240) {
      throw new RangeError("between 1 and 240 minutes, in whole minutes");
    }
    this.minutes = minutes;
    clearInterval(this.scheduleTimer);
    this.nextSync = Date.now() + minutes * 60_000;
    this.scheduleTimer = setInterval(() => {
      this.nextSync = Date.now() + minutes * 60_000;
      this.act(this.remote.call("scheduledSync"));
      if (location.hash === "#/sync") this.route();
    }, minutes * 60_000);
  }

  /** Say that the space could not be opened (the data stays where it is).
   * @param {Error} error */
  fatal(error) {
    this.notice.textContent = `The contacts on this phone cannot be opened: ${error.message}`;
  }

  route() {
    const path = (location.hash || "#/contacts").split("?")[0];
    const [, screen = "contacts", id = "", action = ""] = path.split("/");
    this.redraw = null;
    this.noteChanged = null;
    const kinds = /** @type {Record<string, string>} */ ({ contact: "contact", company: "company",
      opportunity: "opportunity", note: "note", activity: "activity", history: "history" });
    if (screen === "new" && kinds[id]) this.form(kinds[id], null);
    else if (kinds[screen] && action === "edit") this.form(kinds[screen], decoded(id));
    else if (kinds[screen] && id) this.record(kinds[screen], decoded(id));
    else if (screen === "companies") this.simpleList("company", "Companies");
    else if (screen === "opportunities") this.simpleList("opportunity", "Opportunities");
    else if (screen === "activities") this.activities();
    else if (screen === "conflicts") this.conflicts();
    else if (screen === "trash") this.trash();
    else if (screen === "sync") this.syncScreen();
    else this.contacts();
  }

  // ---------------------------------------------------------------- lists

  contacts() {
    const search = h("input", { type: "search", id: "search", "aria-label": "Search",
      placeholder: "Name, company, e-mail or phone", value: this.query, autocomplete: "off" });
    const groups = h("select", { "aria-label": "Group" });
    const count = h("p", { className: "count", "aria-live": "polite" });
    const host = h("div", { className: "list-host" });
    const list = new VirtualList(host, { label: "Contacts", render: (/** @type {Row} */ row) =>
      h("div", {}, h("a", { href: `#/contact/${encodeURIComponent(row.id)}` }, recordName("contact", row.data)),
        h("span", { className: "secondary" }, String(row.data.company ?? row.data.email ?? ""),
          this.rows.isWaiting(row) ? h("span", { className: "waiting" }, "waiting") : null)) });
    const draw = () => {
      const chosen = this.group;
      groups.replaceChildren(h("option", { value: "" }, "All contacts"),
        ...this.rows.list("group").map((g) => h("option", { value: g.id, selected: g.id === chosen },
          recordName("group", g.data))));
      const found = this.rows.search("contact", this.query, { group: this.group || undefined });
      count.textContent = `${found.length} ${found.length === 1 ? "contact" : "contacts"}`;
      list.show(found);
    };
    search.addEventListener("input", () => {
      this.query = /** @type {HTMLInputElement} */ (search).value;
      draw();
    });
    groups.addEventListener("change", () => {
      this.group = /** @type {HTMLSelectElement} */ (groups).value;
      draw();
    });
    this.main.replaceChildren(
      h("div", { className: "toolbar" }, search, groups,
        go("#/new/contact", "Add contact", "primary")),
      count, host);
    this.redraw = draw;
    draw();
  }

  /** @param {string} kind @param {string} title */
  /** Companies or opportunities: a list in the engine's order, searched as contacts are.
   * @param {string} kind @param {string} title */
  simpleList(kind, title) {
    const search = /** @type {HTMLInputElement} */ (h("input", { type: "search", "aria-label": "Search",
      placeholder: kind === "company" ? "Name, phone or web site" : "Name or stage", autocomplete: "off" }));
    const count = h("p", { className: "count", "aria-live": "polite" });
    const host = h("div", { className: "list-host" });
    const list = new VirtualList(host, { label: title, render: (/** @type {Row} */ row) =>
      h("div", {}, h("a", { href: `#/${kind}/${encodeURIComponent(row.id)}` }, recordName(kind, row.data)),
        h("span", { className: "secondary" }, kind === "opportunity" ? String(row.data.stage ?? "") : "",
          this.rows.isWaiting(row) ? h("span", { className: "waiting" }, "waiting") : null)) });
    const draw = () => {
      const found = this.rows.search(kind, search.value);
      count.textContent = `${found.length} ${found.length === 1 ? kind : title.toLowerCase()}`;
      list.show(found);
    };
    search.addEventListener("input", draw);
    this.main.replaceChildren(h("h1", {}, title),
      h("div", { className: "toolbar" }, search,
        go(`#/new/${kind}`, kind === "company" ? "Add company" : "Add opportunity", "primary")),
      count, host);
    this.redraw = draw;
    draw();
  }

  activities() {
    const draw = () => {
      const start = new Date();
      start.setHours(0, 0, 0, 0);
      const open = this.rows.list("activity")
        .filter((row) => !row.data.is_cleared && (!row.data.start_time ||
          new Date(String(row.data.start_time)) >= start))
        .sort((a, b) => String(a.data.start_time ?? "").localeCompare(String(b.data.start_time ?? "")));
      const endOfToday = new Date(start.getTime() + 86_400_000);
      const section = (/** @type {string} */ title, /** @type {Row[]} */ rows) => h("section", {},
        h("h2", {}, title),
        rows.length ? h("ul", {}, ...rows.map((row) => h("li", {},
          h("a", { href: `#/activity/${encodeURIComponent(row.id)}` },
            `${String(row.data.subject || row.data.activity_type_name || "Activity")}`),
          ` ${readableTime(/** @type {string} */ (row.data.start_time))} `,
          h("button", { type: "button", onclick: () => this.act(
            this.remote.call("update", "activity", row.id, { is_cleared: true })) }, "Mark done"))))
          : h("p", {}, "Nothing."));
      this.main.replaceChildren(h("h1", {}, "Activities"),
        section("Today", open.filter((r) => r.data.start_time && new Date(String(r.data.start_time)) < endOfToday)),
        section("Upcoming", open.filter((r) => !r.data.start_time || new Date(String(r.data.start_time)) >= endOfToday)));
    };
    this.redraw = draw;
    draw();
  }

  trash() {
    const draw = () => {
      const rows = TRASH_KINDS.flatMap(([kind]) => this.rows.list(kind, { deleted: true }));
      this.main.replaceChildren(h("h1", {}, "Trash"),
        rows.length ? h("ul", { className: "plain" }, ...rows.map((row) => h("li", {},
          h("span", {}, recordName(row.kind, row.data)), " ",
          h("span", { className: "secondary" }, TRASH_KINDS.find(([k]) => k === row.kind)?.[1] ?? ""), " ",
          h("button", { type: "button",
            onclick: () => this.act(this.remote.call("restore", row.kind, row.id)) }, "Restore"))))
          : h("p", {}, "The trash is empty."));
    };
    this.redraw = draw;
    draw();
  }

  conflicts() {
    const draw = () => {
      /** @type {HTMLElement[]} */
      const items = [];
      for (const [kind, table] of this.rows.byKind) {
        for (const row of table.values()) {
          for (const conflict of /** @type {Record<string, any>[]} */ (row.conflicts)) {
            const field = String(conflict.field);
            const label = KINDS[kind]?.fields[field]?.label ?? field;
            const current = conflict.current ?? row.data[field];
            const choose = (/** @type {unknown} */ value) => this.act(
              this.remote.call("resolve", kind, row.id, field, value));
            items.push(h("li", { className: "conflict" },
              h("h2", {}, `${recordName(kind, row.data)}: ${label}`),
              h("p", {}, "Now: ", h("strong", {}, show(current))),
              h("p", {}, `Also typed${conflict.replica ? ` by ${conflict.replica}` : ""}: `,
                h("strong", {}, show(conflict.value))),
              h("button", { type: "button", onclick: () => choose(current) }, `Keep ${show(current)}`),
              " ",
              h("button", { type: "button", onclick: () => choose(conflict.value) }, `Use ${show(conflict.value)}`)));
          }
        }
      }
      this.main.replaceChildren(h("h1", {}, "Conflicts"),
        items.length ? h("ul", { className: "plain" }, ...items) : h("p", {}, "No conflicts."));
    };
    this.redraw = draw;
    draw();
  }

  // ---------------------------------------------------------------- one record

  /** @param {string} kind @param {string} id */
  record(kind, id) {
    const draw = () => {
      const row = this.rows.get(kind, id);
      if (!row) {
        this.main.replaceChildren(h("p", {}, this.ready ? "No such record." : "Opening…"));
        return;
      }
      const data = row.data;
      const fields = KINDS[kind].fields;
      const lines = Object.entries(fields)
        .filter(([name, spec]) => data[name] !== undefined && data[name] !== null && data[name] !== "" &&
          !(Array.isArray(data[name]) && /** @type {unknown[]} */ (data[name]).length === 0) &&
          spec.type !== "note_text")
        .sort(([a, x], [b, y]) => order(kind, a, x) - order(kind, b, y))
        .map(([name, spec]) => h("div", { className: "field" },
          h("dt", {}, spec.label), h("dd", {}, this.value(kind, name, spec, data[name], data))));
      const linked = (/** @type {string} */ other, /** @type {string} */ title) => {
        const rows = this.rows.list(other).filter((r) => r.links.includes(id));
        return rows.length ? h("section", {}, h("h2", {}, title), h("ul", {}, ...rows.map((r) =>
          h("li", {}, h("a", { href: `#/${other}/${encodeURIComponent(r.id)}` },
            other === "note" ? String(r.data.text ?? "").split("\n")[0].slice(0, 80) || "(empty note)"
              : recordName(other, r.data)),
            r.data.start_time ? ` ${readableTime(String(r.data.start_time))}` : "")))) : null;
      };
      const groups = kind === "contact" ? this.rows.list("group").filter((g) => g.links.includes(id)) : [];
      this.main.replaceChildren(...[
        h("h1", {}, recordName(kind, data)),
        row.deleted ? h("p", { className: "notice" }, "In the trash.") : null,
        this.rows.isWaiting(row) ? h("p", { className: "notice" },
          "Edits waiting: they go to the relay when the phone is online.") : null,
        row.conflicts.length ? h("p", { className: "notice" },
          h("a", { href: "#/conflicts" }, `${row.conflicts.length} conflict(s) to settle`)) : null,
        h("div", { className: "toolbar" },
          row.deleted
            ? h("button", { type: "button", onclick: () => this.act(this.remote.call("restore", kind, id)) }, "Restore")
            : go(`#/${kind}/${encodeURIComponent(id)}/edit`, "Edit"),
          row.deleted ? null : h("button", { type: "button", className: "danger", onclick: () =>
            this.act(this.remote.call("delete", kind, id)) }, "Delete")),
        kind === "note" ? this.noteEditor(id, String(data.text ?? "")) : null,
        h("dl", {}, ...lines),
        groups.length ? h("section", {}, h("h2", {}, "Groups"),
          h("ul", {}, ...groups.map((g) => h("li", {}, recordName("group", g.data))))) : null,
        kind === "contact" ? this.historyForm(id) : null,
        kind === "contact" || kind === "company" ? linked("note", "Notes") : null,
        kind === "contact" ? linked("history", "History") : null,
        kind === "contact" ? linked("activity", "Activities") : null,
        kind === "contact" ? linked("opportunity", "Opportunities") : null,
        kind === "contact" ? h("a", { href: `#/new/note?contact=${encodeURIComponent(id)}` }, "Add note") : null,
      ].filter((part) => part !== null));
    };
    this.redraw = () => {
      // Not under someone typing (a history entry); a note's box takes changes itself.
      const focused = document.activeElement;
      const typing = focused instanceof HTMLInputElement || focused instanceof HTMLTextAreaElement;
      if (typing && this.main.contains(focused)) {
        if (kind === "note") this.noteChanged?.(String(this.rows.get(kind, id)?.data.text ?? ""));
        return;
      }
      draw();
    };
    draw();
  }

  /** A field's value as people use it: a number to call, an address to write to or to find
   * on a map, a linked record by name, a time in their zone.
   * @param {string} kind @param {string} name @param {FieldSpec} spec @param {unknown} value
   * @param {Record<string, unknown>} data the whole record (an address is found by all its parts) */
  value(kind, name, spec, value, data) {
    if (spec.type === "phone") return h("a", { href: `tel:${String(value).replace(/[^\d+]/g, "")}` }, String(value));
    if (spec.type === "email") return h("a", { href: `mailto:${String(value)}` }, String(value));
    if (spec.type === "datetime") return readableTime(String(value));
    if (spec.type === "bool") return value ? "yes" : "no";
    const address = /^(.*)address_line1$/.exec(name);
    if (address) {
      const parts = ["line1", "city", "postal_code", "country"]
        .map((part) => data[`${address[1]}address_${part}`]).filter(Boolean).join(", ");
      return h("a", { href: `https://www.openstreetmap.org/search?query=${encodeURIComponent(parts)}`,
        target: "_blank", rel: "noopener" }, String(value));
    }
    if (spec.type === "ids" || spec.type === "id") {
      const ids = Array.isArray(value) ? value : [value];
      const target = name.startsWith("contact") ? "contact" : name.startsWith("compan") ? "company"
        : name.startsWith("group") ? "group" : name.startsWith("opportunit") ? "opportunity" : kind;
      return h("span", {}, ...ids.map((other, i) => {
        const row = this.rows.get(target, String(other));
        return h("span", {}, i ? ", " : "", row ? h("a", { href: `#/${target}/${encodeURIComponent(String(other))}` },
          recordName(target, row.data)) : String(other));
      }));
    }
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  /** The body of a note, edited as collaborative text: each change typed goes to the
   * engine at once as that change alone (an insert or a delete at a place), so that what
   * others type elsewhere in the body meanwhile is kept, character by character; and
   * what others typed comes into the box as it arrives, the caret kept in its place.
   * @param {string} id @param {string} text */
  noteEditor(id, text) {
    const area = /** @type {HTMLTextAreaElement} */ (h("textarea", { "aria-label": "Note", rows: 8 }));
    area.value = text;
    let base = text; // the body as this box last gave it to the engine, or had it from there
    let sending = 0; // changes sent and not yet answered
    /** @type {string | null} the newest body the engine told of */
    let told = null;
    // Take what the engine told once all our changes are in it (bodies told before are
    // our own changes coming back, older than the box): then only others' edits differ.
    const takeTold = () => {
      if (sending > 0 || told === null) return;
      const body = told;
      told = null;
      if (body === base) return;
      const change = textChange(base, body);
      const { selectionStart: start, selectionEnd: end } = area;
      area.value = body;
      base = body;
      if (change) {
        const shift = (/** @type {number} */ at) => (at <= change.unitIndex ? at
          : Math.max(change.unitIndex, at + change.unitDelta));
        area.setSelectionRange(shift(start), shift(end));
      }
    };
    area.addEventListener("input", () => {
      const made = textChange(base, area.value);
      const change = made && { ...made, base };
      base = area.value;
      if (!change) return;
      sending += 1;
      // With the body it was made on: the engine's may hold others' edits the box has not
      // shown yet, and the change is moved past them (text_change.js's rebase).
      const sent = this.remote.call("editNoteFrom", id, change.base, change.index,
        { insert: change.insert, delete: change.delete });
      this.act(sent);
      sent.finally(() => { sending -= 1; takeTold(); }).catch(() => undefined);
    });
    this.noteChanged = (body) => {
      told = body;
      takeTold();
    };
    return area;
  }

  /** @param {string} contact */
  historyForm(contact) {
    const regarding = h("input", { id: "history-regarding", type: "text" });
    const details = h("textarea", { id: "history-details", rows: 2 });
    const message = h("p", { className: "error", role: "alert" });
    const form = h("form", { className: "history", novalidate: true },
      h("h2", {}, "Add history"),
      h("label", { for: "history-regarding" }, "Regarding"), regarding,
      h("label", { for: "history-details" }, "Details"), details,
      h("button", { type: "submit" }, "Add history"), message);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.remote.call("create", "history", {
        regarding: /** @type {HTMLInputElement} */ (regarding).value || null,
        details: /** @type {HTMLTextAreaElement} */ (details).value || null,
        start_time: new Date().toISOString(), contact_ids: [contact],
      }).then(() => {
        /** @type {HTMLFormElement} */ (form).reset();
        message.textContent = "";
      }, (error) => { message.textContent = error.message; });
    });
    return form;
  }

  // ---------------------------------------------------------------- forms

  /** Add (id null) or edit a record: every field the schema lets people type, labelled
   * with its Act! label; the engine checks the values and its words are shown.
   * @param {string} kind @param {string | null} id */
  form(kind, id) {
    const row = id ? this.rows.get(kind, id) : undefined;
    if (id && !row) {
      this.main.replaceChildren(h("p", {}, this.ready ? "No such record." : "Opening…"));
      this.redraw = () => this.form(kind, id);
      return;
    }
    const data = row?.data ?? {};
    const fields = Object.entries(KINDS[kind].fields).filter(([, spec]) => !NOT_TYPED.has(spec.type))
      .sort(([a, x], [b, y]) => order(kind, a, x) - order(kind, b, y));
    const first = FORM_FIRST[kind] ?? [];
    /** @type {Map<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>} */
    const inputs = new Map();
    const errors = new Map();
    const control = (/** @type {string} */ name, /** @type {FieldSpec} */ spec) => {
      const fieldId = `field-${name}`;
      const error = h("span", { className: "error", id: `${fieldId}-error` });
      errors.set(name, error);
      /** @type {any} */
      let input;
      if (spec.type === "bool") {
        input = h("input", { id: fieldId, type: "checkbox", checked: Boolean(data[name]) });
      } else if (spec.type === "note_text") {
        input = h("textarea", { id: fieldId, rows: 8 });
        input.value = String(data[name] ?? "");
      } else if (spec.type === "enum" && spec.choices.length) {
        input = h("select", { id: fieldId }, h("option", { value: "" }, ""),
          ...spec.choices.map((c) => h("option", { value: String(c), selected: data[name] === c }, String(c))));
      } else if (spec.type === "datetime") {
        input = h("input", { id: fieldId, type: "datetime-local", value: localInputValue(data[name]) });
      } else if (spec.type === "date") {
        input = h("input", { id: fieldId, type: "date", value: String(data[name] ?? "").slice(0, 10) });
      } else {
        input = h("input", { id: fieldId, type: "text", value: data[name] == null ? "" : String(data[name]),
          inputmode: spec.type === "phone" ? "tel" : spec.type === "email" ? "email"
            : spec.type === "int" || spec.type === "number" ? "decimal" : undefined,
          autocomplete: "off", "aria-describedby": `${fieldId}-error` });
      }
      inputs.set(name, input);
      return h("div", { className: "form-field" }, h("label", { for: fieldId }, spec.label), input, error);
    };
    const message = h("p", { className: "error", role: "alert" });
    const form = h("form", { novalidate: true },
      h("h1", {}, id ? `Edit ${recordName(kind, data)}` : `New ${kind}`),
      ...fields.filter(([name]) => first.includes(name)).map(([name, spec]) => control(name, spec)),
      h("details", {}, h("summary", {}, "More fields"),
        ...fields.filter(([name]) => !first.includes(name)).map(([name, spec]) => control(name, spec))),
      message,
      h("div", { className: "toolbar" }, h("button", { type: "submit", className: "primary" }, "Save"),
        h("a", { href: id ? `#/${kind}/${encodeURIComponent(id)}` : "#/contacts" }, "Cancel")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      for (const error of errors.values()) error.textContent = "";
      message.textContent = "";
      /** @type {Record<string, unknown>} */
      const values = {};
      for (const [name, input] of inputs) {
        const spec = KINDS[kind].fields[name];
        const typed = read(spec, input);
        const before = data[name] ?? null;
        // An unticked box is "no" whether the field says false or nothing; a time shown
        // to the minute and not touched keeps its seconds: neither is a change.
        const unchanged = spec.type === "bool" ? typed === Boolean(before)
          : spec.type === "datetime" ? localInputValue(before) === input.value
            : same(typed, before);
        if (id ? !unchanged : typed !== null && typed !== false) values[name] = typed;
      }
      const link = new URLSearchParams(location.hash.split("?")[1] ?? "").get("contact");
      if (!id && link && "contact_ids" in KINDS[kind].fields) values.contact_ids = [link];
      try {
        if (id) {
          if (Object.keys(values).length) await this.remote.call("update", kind, id, values);
          location.hash = `#/${kind}/${encodeURIComponent(id)}`;
        } else {
          const made = await this.remote.call("create", kind, values);
          location.hash = `#/${kind}/${encodeURIComponent(made)}`;
        }
      } catch (thrown) {
        const error = /** @type {RemoteError} */ (thrown);
        const field = error.field ?? fieldOf(error.message);
        const label = field ? KINDS[kind].fields[field]?.label : undefined;
        const words = plainReason(error.message);
        if (field && errors.has(field)) {
          errors.get(field).textContent = words;
          const input = inputs.get(field);
          input?.setAttribute("aria-invalid", "true");
          input?.closest("details")?.setAttribute("open", "");
          input?.focus();
        }
        message.textContent = label ? `${label}: ${words}` : error.message;
      }
    });
    this.main.replaceChildren(form);
  }

  /** Show what the engine said when it refused a change.
   * @param {Promise<unknown>} call */
  act(call) {
    this.notice.textContent = "";
    call.catch((/** @type {Error} */ error) => {
      this.notice.textContent = error.message;
    });
  }

  syncScreen() {
    const s = this.sync;
    const when = (/** @type {number | null | undefined} */ ms) => (ms ? new Date(ms).toLocaleString() : "never");
    const minutes = h("input", { id: "schedule", type: "number", min: 1, max: 240, value: this.minutes });
    const copied = h("p", { className: "copied" });
    const scheduleMessage = h("span", { className: "error", role: "alert" });
    this.main.replaceChildren(h("h1", {}, "Sync"),
      h("dl", {},
        h("dt", {}, "Space"), h("dd", {}, this.device.space),
        h("dt", {}, "Relay"), h("dd", {}, this.device.relay),
        h("dt", {}, "State"), h("dd", {}, s?.state ?? "not started"),
        h("dt", {}, "Relay reachable"), h("dd", {}, s?.reachable ? "yes" : "no"),
        h("dt", {}, "Edits waiting"), h("dd", {}, String(s?.waiting ?? 0)),
        h("dt", {}, "Last sent"), h("dd", {}, when(s?.lastSent)),
        h("dt", {}, "Last received"), h("dd", {}, when(s?.lastReceived)),
        h("dt", {}, "Next scheduled sync"), h("dd", {}, new Date(this.nextSync).toLocaleTimeString()),
        h("dt", {}, "Last error"), h("dd", {}, s?.error ? `${s.error.message}${s.error.code ? ` (code ${s.error.code})` : ""}` : "none")),
      h("button", { type: "button", className: "primary", onclick: () => this.act(this.remote.call("syncNow")) }, "Sync now"),
      h("p", {}, h("label", { for: "schedule" }, "Sync at least every (minutes)"), minutes,
        h("button", { type: "button", onclick: () => {
          const value = Number(/** @type {HTMLInputElement} */ (minutes).value);
          try {
            this.schedule(value);
            localStorage.setItem(SCHEDULE_KEY, String(value));
            scheduleMessage.textContent = "";
          } catch (error) {
            scheduleMessage.textContent = /** @type {Error} */ (error).message;
          }
        } }, "Set"), scheduleMessage),
      h("button", { type: "button", onclick: async () => {
        const text = await this.remote.call("diagnostics");
        try {
          await navigator.clipboard.writeText(text);
          copied.textContent = "Copied: paste it into a message to whoever runs your relay.";
        } catch {
          copied.textContent = "";
          copied.append(h("pre", {}, text));
        }
      } }, "Report a problem"), copied);
  }
}

/** A record id from an address (one typed by hand may not decode: then it names nothing).
 * @param {string} part */
function decoded(part) {
  try {
    return decodeURIComponent(part);
  } catch {
    return "";
  }
}

/** A button that opens another screen. @param {string} hash @param {string} name @param {string} [className] */
function go(hash, name, className) {
  return h("button", { type: "button", className, onclick: () => { location.hash = hash; } }, name);
}

/** @param {string} kind @param {string} name @param {FieldSpec} spec */
function order(kind, name, spec) {
  const first = (FORM_FIRST[kind] ?? []).indexOf(name);
  return first >= 0 ? first - 1000 : spec.label.charCodeAt(0) * 64 + (spec.label.charCodeAt(1) || 0);
}

/** What an input holds, as the engine takes it (null for nothing typed).
 * @param {FieldSpec} spec @param {any} input */
function read(spec, input) {
  if (spec.type === "bool") return Boolean(input.checked);
  const text = String(input.value).trim();
  if (!text) return null;
  if (spec.type === "datetime") return new Date(text).toISOString();
  if ((spec.type === "int" || spec.type === "number" || spec.type === "enum") && /^-?\d+(\.\d+)?$/.test(text)) {
    return Number(text);
  }
  return text;
}

/** @param {unknown} a @param {unknown} b */
function same(a, b) {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** @param {unknown} value */
function show(value) {
  return value === null || value === undefined || value === "" ? "(empty)" : String(value);
}

/** The field an engine message names ("contact web-1 field 'email': …").
 * @param {string} message */
function fieldOf(message) {
  return /field '([^']+)'/.exec(message)?.[1];
}

/** The engine's reason without its record prefix: "is not an e-mail address".
 * @param {string} message */
function plainReason(message) {
  const match = /field '[^']+': (.*?)(?: \(value .*\))?$/.exec(message);
  return match ? match[1] : message;
}
