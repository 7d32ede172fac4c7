import { html } from './safe-html.ts'
import type { HtmlValue, SafeHtml } from './safe-html.ts'
import { t } from './strings.ts'
import type { StringKey } from './strings.ts'

/** One column of a {@link dataTable}: its heading, and how each row fills its cell. */
export interface TableColumn<Row> {
  /** The column heading, a key of the strings table (rendered as `<th scope="col">`). */
  heading: StringKey
  /** The cell's content for one row (escaped unless it is already markup). */
  cell: (row: Row) => HtmlValue
  /**
   * The cell holds data (a name, an account, an outcome), marked `translate="no"` so that a
   * translating browser leaves it as it is and the strings check does not look for it.
   */
  data?: boolean
}

/** What a {@link dataTable} shows. */
export interface DataTableOptions<Row> {
  /** `data-testid` of the `<table>` (none when absent). */
  testId?: string | undefined
  columns: readonly TableColumn<Row>[]
  rows: readonly Row[]
}

/**
 * The list markup every page shares (account activity and linked accounts, the operator
 * console, the linked-accounts page): a horizontally scrolling box (`.table`, so a phone never
 * scrolls the page sideways) around a table with one column heading per column. An empty list
 * is the caller's to say in words, not an empty table.
 */
export function dataTable<Row>(options: DataTableOptions<Row>): SafeHtml {
  const { columns } = options
  const id = options.testId === undefined ? '' : html` data-testid="${options.testId}"`
  return html`<div class="table">
    <table${id}>
      <thead>
        <tr>
          ${columns.map((column) => html`<th scope="col">${t(column.heading)}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${options.rows.map(
          (row) =>
            html`<tr>
              ${columns.map((column) =>
                column.data === true
                  ? html`<td translate="no">${column.cell(row)}</td>`
                  : html`<td>${column.cell(row)}</td>`,
              )}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`
}
