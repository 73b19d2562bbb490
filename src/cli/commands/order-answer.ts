/** An admission's answer as the CLI prints it: one line per order made (a refusal came back as an error, exit 1). */
export function printOrderAnswer(data: Record<string, unknown>): void {
  const orders = (data["orders"] as Array<Record<string, unknown>> | undefined) ?? [data];
  for (const o of orders) {
    const status = o["order_status"] ?? o["status"] ?? "queued";
    process.stdout.write(`${o["order_id"]} ${o["ticker"]} ${o["action"]} ${o["quantity"]} ${status}${o["fill_price"] != null ? ` @ ${o["fill_price"]}` : ""}\n`);
  }
}
