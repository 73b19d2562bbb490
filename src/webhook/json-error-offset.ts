/**
 * Offset of the first JSON syntax error in `text` (or -1 when it is valid JSON), so a parse error
 * can say where without quoting the body. V8's JSON.parse messages give a position only sometimes
 * and quote the input otherwise. Iterative for containers, so deep nesting cannot overflow the stack.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const literal = (word: string): boolean => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) return false;
    return true;
  };
  const string = (): boolean => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === "u") {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? "")) return ((i += k), false);
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else return false;
      } else i++;
    }
    return false;
  };
  const number = (): boolean => {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (m === null || m[0] === "" || m[0] === "-") return false;
    i += m[0].length;
    return true;
  };
  /** A scalar, or the opening of a container (pushed on the stack). */
  const stack: string[] = [];
  const value = (): boolean => {
    ws();
    const c = text[i];
    if (c === "{" || c === "[") {
      stack.push(c);
      i++;
      return true;
    }
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    return false;
  };

  if (!value()) return i;
  // After a value (or an opening bracket) decide what may follow.
  let justOpened = stack.length > 0;
  for (;;) {
    ws();
    const top = stack[stack.length - 1];
    if (top === undefined) return i < n ? i : -1;
    if (top === "{") {
      if (justOpened) {
        if (text[i] === "}") {
          stack.pop();
          i++;
          justOpened = false;
          continue;
        }
      } else if (text[i] === "}") {
        stack.pop();
        i++;
        continue;
      } else if (text[i] === ",") {
        i++;
        ws();
      } else return i;
      if (text[i] !== '"' || !string()) return i;
      ws();
      if (text[i] !== ":") return i;
      i++;
    } else {
      if (justOpened) {
        ws();
        if (text[i] === "]") {
          stack.pop();
          i++;
          justOpened = false;
          continue;
        }
      } else if (text[i] === "]") {
        stack.pop();
        i++;
        continue;
      } else if (text[i] === ",") i++;
      else return i;
    }
    const depth = stack.length;
    if (!value()) return i;
    justOpened = stack.length > depth;
  }
}
