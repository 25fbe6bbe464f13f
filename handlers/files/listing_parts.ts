/**
 * What `SimpleHTTPRequestHandler` needs to list a directory, in one module that
 * `handlers/files/simple.ts` imports on its first listing: a plain file GET never loads the
 * listing's page, columns, order, slicing and `Accept` negotiation modules, so a start up to
 * the first file served does not compile them.
 *
 * @module
 */
export { negotiateMediaType } from "../../protocol/accept.ts";
export {
  directoryListingPieces,
  encodeSurrogateEscape,
  LISTING_PIECE_ENTRIES,
} from "./directory_listing.ts";
export { ListingEntries } from "./listing_entries.ts";
export { listingOrderSteps, listingQuery, pythonOrderSteps } from "./listing_order.ts";
export { runSteps, runStepsPaced, TurnPacer } from "./slice_sort.ts";
