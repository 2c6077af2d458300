// A small RFC 4180 CSV reader for `pg-centroid load`: quoted fields, doubled quotes, CRLF; empty fields are NULL.

/** Splits CSV text into records of fields (null for an empty unquoted field). */
export function parseCsv(text: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  let i = 0;
  const endField = () => {
    record.push(field === '' && !wasQuoted ? null : field);
    field = '';
    wasQuoted = false;
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
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      wasQuoted = true;
    } else if (ch === ',') {
      endField();
    } else if (ch === '\n' || ch === '\r') {
      endField();
      records.push(record);
      record = [];
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else {
      field += ch;
    }
    i++;
  }
  if (quoted) throw new Error('the CSV ends inside a quoted field');
  if (field !== '' || wasQuoted || record.length > 0) {
    endField();
    records.push(record);
  }
  return records.filter((r) => !(r.length === 1 && r[0] === null));
}
