/**
 * A man page as HTML, for GET /docs/errors: the error reference lives in man/tradectl-api.7 alone, and every
 * error's help_url (/docs/errors#auth-failed) lands on its subsection. Renders the man(7) macros our pages use
 * (TH SH SS PP TP IP nf fi br and the font macros and escapes); a subsection's id is its title, lower-cased, with
 * spaces as dashes.
 */
const ESCAPES: Array<[RegExp, string]> = [
  [/\\-/g, "-"],
  [/\\\(em/g, "\u2014"],
  [/\\\(en/g, "\u2013"],
  [/\\\(bu/g, "\u2022"],
  [/\\\(->/g, "\u2192"],
  [/\\&/g, ""],
  [/\\e/g, "\\"],
  [/\\\\/g, "\\"],
];

const html = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Inline text: font escapes (\fB \fI \fR \fP) become <b>/<i>, the character escapes their characters. */
function inline(text: string): string {
  let out = "";
  let open: string | null = null;
  for (const part of text.split(/(\\f[BIRP])/)) {
    const font = /^\\f([BIRP])$/.exec(part)?.[1];
    if (!font) {
      out += html(ESCAPES.reduce((s, [re, to]) => s.replace(re, to), part));
      continue;
    }
    if (open) out += `</${open}>`;
    open = font === "B" ? "b" : font === "I" ? "i" : null;
    if (open) out += `<${open}>`;
  }
  return open ? `${out}</${open}>` : out;
}

/** `.B "a b" c` → its arguments, quotes honoured. */
function args(rest: string): string[] {
  return [...rest.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** The font macros: .B .I alone, .BR .IR .RB .BI .IB alternating fonts, joined without spaces. */
function fontMacro(name: string, rest: string): string {
  const a = args(rest);
  if (name === "B" || name === "I") return `<${name.toLowerCase()}>${inline(a.join(" "))}</${name.toLowerCase()}>`;
  const fonts = name.split("");
  return a.map((x, i) => {
    const f = fonts[i % 2];
    return f === "R" ? inline(x) : `<${f!.toLowerCase()}>${inline(x)}</${f!.toLowerCase()}>`;
  }).join("");
}

export const slug = (title: string) => title.trim().toLowerCase().replace(/\s+/g, "-");

export function manToHtml(roff: string): string {
  const body: string[] = [];
  let title = "";
  let para: string[] = [];
  let pre = false;
  let term: string | null = null; // a .TP tag waiting for its line
  let inList = false;
  const flush = () => {
    if (!para.length) return;
    body.push(inList ? `<dd>${para.join(" ")}</dd>` : `<p>${para.join(" ")}</p>`);
    para = [];
  };
  const closeList = () => {
    flush();
    if (inList) body.push("</dl>");
    inList = false;
  };
  for (const line of roff.split("\n")) {
    if (line.startsWith('.\\"')) continue;
    const m = /^\.(\w+)\s*(.*)$/.exec(line);
    if (pre && !(m && m[1] === "fi")) {
      body.push(`${inline(line)}\n`);
      continue;
    }
    if (!m) {
      const text = inline(line);
      if (term === "") {
        term = null;
        body.push(`<dt>${text}</dt>`);
      } else para.push(text);
      continue;
    }
    const [, macro, rest = ""] = m;
    switch (macro) {
      case "TH":
        title = args(rest).slice(0, 2).join("(") + ")";
        break;
      case "SH":
        closeList();
        body.push(`<h2 id="${html(slug(args(rest).join(" ")))}">${inline(args(rest).join(" "))}</h2>`);
        break;
      case "SS":
        closeList();
        body.push(`<h3 id="${html(slug(args(rest).join(" ")))}">${inline(args(rest).join(" "))}</h3>`);
        break;
      case "PP":
      case "P":
      case "LP":
        closeList();
        break;
      case "TP":
      case "IP":
        flush();
        if (!inList) body.push("<dl>");
        inList = true;
        term = macro === "TP" ? "" : null;
        if (macro === "IP" && rest) body.push(`<dt>${inline(args(rest)[0] ?? "")}</dt>`);
        break;
      case "br":
        para.push("<br>");
        break;
      case "nf":
        flush();
        pre = true;
        body.push("<pre>");
        break;
      case "fi":
        pre = false;
        body.push("</pre>");
        break;
      default:
        if (/^(B|I|BR|IR|RB|BI|IB|RI)$/.test(macro!)) {
          const text = fontMacro(macro!, rest);
          if (term === "") {
            term = null;
            body.push(`<dt>${text}</dt>`);
          } else para.push(text);
        }
    }
  }
  closeList();
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${html(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:52em;margin:2em auto;padding:0 1em;line-height:1.45}dt{margin-top:.6em;font-weight:600}dd{margin-left:2em}pre{background:#f6f8fa;padding:.6em;overflow:auto}h3{margin-top:1.6em}</style>
</head><body>
${body.join("\n")}
</body></html>
`;
}
