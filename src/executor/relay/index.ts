/** Private submission of the keeper's transactions as Flashbots-style bundles (eth_sendBundle). */
export * from "./errors.js";
export * from "./signature.js";
export * from "./sendBundle.js";
export * from "./submit.js";
