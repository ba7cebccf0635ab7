// Money and quantities as the server computes them (sync-protocol/src/cost_sheet.rs, money.rs):
// decimal strings on the wire, integers (BigInt) in between, never a JavaScript number. Money is
// counted in fen, quantities in thousandths; a line's amount is quantity × unit price rounded half
// up to the fen, and a sheet's total is the sum of its rounded lines, all within the same bounds.

const YUAN = 100n;
export const MAX_UNIT_PRICE_FEN = 10000000n * YUAN;
export const MAX_LINE_FEN = 100000000n * YUAN;
export const MAX_TOTAL_FEN = 1000000000n * YUAN;
export const MAX_QUANTITY_MILLI = 1000000n * 1000n;
export const MAX_LINES = 200;

/** Fen from a decimal string of at most two places ("12", "12.5", "12.50"); null if it is not one. */
export function parseFen(text) {
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(String(text).trim());
  if (!m) return null;
  return BigInt(m[1]) * YUAN + BigInt((m[2] || "").padEnd(2, "0"));
}

/** "1234.50": always two places, never "-0.00". */
export function formatFen(fen) {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const text = (abs / YUAN).toString() + "." + (abs % YUAN).toString().padStart(2, "0");
  return negative && abs !== 0n ? "-" + text : text;
}

/** "¥1,234.50" and "−¥100.00" (a true minus, as the server's pages write it), for reading. */
export function displayFen(fen) {
  const [whole, part] = formatFen(fen).split(".");
  const sign = whole.startsWith("-") ? "\u2212" : "";
  const digits = whole.replace("-", "").replace(/\B(?=(\d{3})+$)/g, ",");
  return sign + "¥" + digits + "." + part;
}

/** Thousandths from plain decimal notation, above 0, at most 1,000,000, exact to 0.001; else null. */
export function parseQuantity(text) {
  const m = /^(\d+)(?:\.(\d{1,3}))?$/.exec(String(text).trim());
  if (!m) return null;
  const milli = BigInt(m[1]) * 1000n + BigInt((m[2] || "").padEnd(3, "0"));
  return milli > 0n && milli <= MAX_QUANTITY_MILLI ? milli : null;
}

/** The quantity in the normal form the server keeps and hashes: no trailing zeros ("12.5", "3"). */
export function formatQuantity(milli) {
  const whole = (milli / 1000n).toString();
  const part = (milli % 1000n).toString().padStart(3, "0").replace(/0+$/, "");
  return part ? whole + "." + part : whole;
}

/** A line's amount in fen, rounded half up; null outside the bounds (below one fen, too large). */
export function lineFen(quantityMilli, unitPriceFen) {
  if (unitPriceFen < 0n || unitPriceFen > MAX_UNIT_PRICE_FEN) return null;
  const amount = (quantityMilli * unitPriceFen + 500n) / 1000n;
  return amount >= 1n && amount <= MAX_LINE_FEN ? amount : null;
}

/** The sum of amounts in fen; null above the largest sheet. */
export function totalFen(amounts) {
  let sum = 0n;
  for (const a of amounts) {
    sum += a;
    if (sum > MAX_TOTAL_FEN) return null;
  }
  return sum;
}
