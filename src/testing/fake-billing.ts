/**
 * Billing rules of the fake marketplace. They live in the marketplace server core
 * that the fake shares with the embedded local marketplace; re-exported here so the
 * `testing` subpath (and code that imported this file) keeps its names.
 */
export { billedCost, billedSeconds, minimumCharge } from '../local/market/billing.js';
