/**
 * What a ledger source may be, apart from the reader itself (read-source.ts and xlsx-reader.ts):
 * the HTTP console checks an upload against these before it loads the reader.
 */
export class SourceError extends Error {}

/** The largest workbook or CSV file read (a province's 10,000 tasks take about 5 MB). */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
