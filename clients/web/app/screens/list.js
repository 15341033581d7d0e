// A list that puts in the page only the rows in view (and a few either side), so that a
// 10,000-contact list scrolls as smoothly as a 10-contact one: rows have one height, a
// spacer gives the scroll bar its full length, and each scroll re-renders the window.

export const ROW_HEIGHT = 56;
const OVERSCAN = 6;
let painted = false;

/**
 * @template T
 * @typedef {{ render: (item: T) => HTMLElement, label: string }} ListOptions
 */

/** @template T */
export class VirtualList {
  /** @param {HTMLElement} host @param {ListOptions<T>} options */
  constructor(host, options) {
    this.options = options;
    /** @type {T[]} */
    this.items = [];
    this.viewport = document.createElement("div");
    this.viewport.className = "list-viewport";
    this.viewport.setAttribute("role", "list");
    this.viewport.setAttribute("aria-label", options.label);
    this.spacer = document.createElement("div");
    this.spacer.className = "list-spacer";
    this.viewport.append(this.spacer);
    host.append(this.viewport);
    this.first = -1;
    this.last = -1;
    this.viewport.addEventListener("scroll", () => this.paint(), { passive: true });
    new ResizeObserver(() => this.paint(true)).observe(this.viewport);
  }

  /** @param {T[]} items */
  show(items) {
    this.items = items;
    this.spacer.style.height = `${items.length * ROW_HEIGHT}px`;
    this.paint(true);
  }

  paint(force = false) {
    const height = this.viewport.clientHeight || 600;
    const top = this.viewport.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.items.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    if (!force && first === this.first && last === this.last) return;
    this.first = first;
    this.last = last;
    const rows = [];
    for (let i = first; i < last; i++) {
      const element = this.options.render(this.items[i]);
      element.setAttribute("role", "listitem");
      element.classList.add("list-row");
      element.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
      rows.push(element);
    }
    this.spacer.replaceChildren(...rows);
    if (rows.length && !painted) {
      painted = true; // the first rows this page showed: when the app became usable
      performance.mark("handsync:first-rows");
    }
  }
}
