/**
 * Generates the tree the file-server benchmarks serve (issue 3):
 *
 * - `small.txt`: 1 KiB
 * - `big.bin`: 10 MiB
 * - `dir/`: 1000 entries (`f0000.txt` ... `f0999.txt`, 16 bytes each), no index page
 *
 * Run: `deno run -A bench/make_tree.ts <directory>` (created if missing; files rewritten).
 *
 * @module
 */

/** Entries in the listed directory. */
export const LISTING_ENTRIES = 1000;
/** Size of the small file. */
export const SMALL_SIZE = 1024;
/** Size of the big file. */
export const BIG_SIZE = 10 * 1024 * 1024;

/**
 * Writes the tree under `root`.
 *
 * @param root The directory to fill.
 */
export async function makeTree(root: string): Promise<void> {
  await Deno.mkdir(`${root}/dir`, { recursive: true });
  await Deno.writeFile(`${root}/small.txt`, new Uint8Array(SMALL_SIZE).fill(0x78));
  const big = new Uint8Array(BIG_SIZE);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
  await Deno.writeFile(`${root}/big.bin`, big);
  const line = new TextEncoder().encode("entry of a list\n");
  for (let i = 0; i < LISTING_ENTRIES; i++) {
    await Deno.writeFile(`${root}/dir/f${String(i).padStart(4, "0")}.txt`, line);
  }
}

if (import.meta.main) {
  const root = Deno.args[0];
  if (root === undefined) {
    console.error("usage: make_tree.ts <directory>");
    Deno.exit(2);
  }
  await makeTree(root);
  console.log(`tree written to ${root}`);
}
