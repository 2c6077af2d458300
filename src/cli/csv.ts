// A small RFC 4180 CSV reader for `pg-centroid load`: quoted fields, doubled quotes, CRLF; empty
// fields are NULL; each record knows the line it starts on, so errors can name it.

/** One record: its fields (null for an empty unquoted field) and the 1-based line it starts on. */
export interface CsvRecord {
  fields: (string | null)[];
  line: number;
}

/** Splits CSV text into records with their line numbers; blank lines are skipped. */
export function readCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let record: (string | null)[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  let line = 1;
  let start = 1;
  let i = 0;
  const endField = () => {
    record.push(field === '' && !wasQuoted ? null : field);
    field = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endField();
    if (!(record.length === 1 && record[0] === null)) records.push({ fields: record, line: start });
    record = [];
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else {
        if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      wasQuoted = true;
    } else if (ch === ',') {
      endField();
    } else if (ch === '\n' || ch === '\r') {
      endRecord();
      if (ch === '\r' && text[i + 1] === '\n') i++;
      line++;
      start = line;
    } else {
      field += ch;
    }
    i++;
  }
  if (quoted) throw new Error(`the CSV ends inside a quoted field (opened on line ${start} or later)`);
  if (field !== '' || wasQuoted || record.length > 0) endRecord();
  return records;
}

/** Splits CSV text into records of fields (null for an empty unquoted field). */
export function parseCsv(text: string): (string | null)[][] {
  return readCsv(text).map((r) => r.fields);
}
