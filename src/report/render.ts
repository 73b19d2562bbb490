/** A report in the format asked for. */
import { renderCsv } from "./render-csv.js";
import { renderHtml } from "./render-html.js";
import { renderMarkdown } from "./render-markdown.js";
import { renderText } from "./render-text.js";
import type { Report } from "./types.js";

export type ReportFormat = "text" | "md" | "csv" | "json" | "html";

export function renderReport(r: Report, format: ReportFormat): string {
  switch (format) {
    case "text":
      return renderText(r);
    case "md":
      return renderMarkdown(r);
    case "csv":
      return renderCsv(r);
    case "html":
      return renderHtml(r);
    case "json":
      return `${JSON.stringify(r, null, 2)}\n`;
  }
}
