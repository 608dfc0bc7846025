// CSV text -> rows of cells (RFC 4180 quoting), for the ground-truth and reader files a coordinator
// fills in a spreadsheet. Pure: the caller reads the file. Spreadsheets in many European locales
// save with ";" (the decimal comma takes ","), and Excel prefixes UTF-8 with a BOM: both are read.

export interface CsvTable {
  delimiter: "," | ";" | "\t";
  header: string[];
  /** Data rows with their 1-based line number in the file (the header is line 1). */
  rows: { line: number; cells: string[] }[];
}

/** The delimiter is the one of , ; TAB that appears most often in the header line (outside quotes). */
function sniffDelimiter(headerLine: string): CsvTable["delimiter"] {
  const counts = { ",": 0, ";": 0, "\t": 0 };
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "," || ch === ";" || ch === "\t")) counts[ch] += 1;
  }
  const best = (Object.keys(counts) as CsvTable["delimiter"][]).sort(
    (a, b) => counts[b] - counts[a],
  )[0]!;
  return counts[best] === 0 ? "," : best;
}

export function parseCsv(text: string): CsvTable {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstBreak = body.search(/\r?\n/);
  const delimiter = sniffDelimiter(firstBreak < 0 ? body : body.slice(0, firstBreak));
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  const endRecord = (): void => {
    cells.push(cell);
    // A line with nothing on it (often the last one) is not a record.
    if (!(cells.length === 1 && cells[0]!.trim() === "")) records.push({ line: start, cells });
    cells = [];
    cell = "";
  };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"') {
        if (body[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        cell += ch;
      }
    } else if (ch === '"' && cell.trim() === "") {
      cell = "";
      quoted = true;
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && body[i + 1] === "\n") i++;
      endRecord();
      line++;
      start = line;
    } else cell += ch;
  }
  if (cell !== "" || cells.length > 0) endRecord();
  const [head, ...rows] = records;
  return {
    delimiter,
    header: (head?.cells ?? []).map((h) => h.trim().toLowerCase()),
    rows: rows.map((r) => ({ line: r.line, cells: r.cells.map((c) => c.trim()) })),
  };
}
