export * from "./money.js";
export * from "./client.js";
