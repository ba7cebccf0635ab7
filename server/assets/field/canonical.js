// Canonical JSON and SHA-256, byte for byte as the server computes them
// (sync-protocol/src/canonical.rs, PROTOCOL.md section 2): object keys sorted by their UTF-8 bytes,
// no whitespace, strings escaped as JSON requires, integers only. Money and quantities are decimal
// strings, so no float is ever canonicalised: a fractional or unsafe number is refused, and an
// integer beyond 2^53 must be a BigInt (parseJson keeps such integers exact).

const encoder = new TextEncoder();

/** Compares two keys by their UTF-8 bytes (JavaScript's own sort compares UTF-16 code units). */
function byUtf8(a, b) {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}

function write(value, out) {
  if (value === null) {
    out.push("null");
  } else if (typeof value === "boolean") {
    out.push(value ? "true" : "false");
  } else if (typeof value === "string") {
    out.push(JSON.stringify(value));
  } else if (typeof value === "bigint") {
    out.push(value.toString());
  } else if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new Error("no canonical form for " + value + ": send decimals as strings");
    }
    out.push(String(value));
  } else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, i) => {
      if (i > 0) out.push(",");
      write(item, out);
    });
    out.push("]");
  } else if (typeof value === "object") {
    // An absent optional field is left off the wire, as serde does with skip_serializing_if.
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort(byUtf8);
    out.push("{");
    keys.forEach((key, i) => {
      if (i > 0) out.push(",");
      out.push(JSON.stringify(key), ":");
      write(value[key], out);
    });
    out.push("}");
  } else {
    throw new Error("no canonical form for a " + typeof value);
  }
}

/** The canonical JSON text of a value. */
export function canonical(value) {
  const out = [];
  write(value, out);
  return out.join("");
}

/** Lowercase hex SHA-256 of bytes (an ArrayBuffer, a typed array, or a Blob). */
export async function sha256Hex(bytes) {
  const data = bytes instanceof Blob ? await bytes.arrayBuffer() : bytes;
  const digest = await crypto.subtle.digest("SHA-256", data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The hash a value is known by: SHA-256 of its canonical JSON. */
export async function canonicalHash(value) {
  return sha256Hex(encoder.encode(canonical(value)));
}

/** JSON.parse that keeps integers beyond 2^53 exact, as BigInt (from the number's source text). */
export function parseJson(text) {
  return JSON.parse(text, (_key, value, context) => {
    if (typeof value === "number" && !Number.isSafeInteger(value) && context && /^-?\d+$/.test(context.source)) {
      return BigInt(context.source);
    }
    return value;
  });
}
