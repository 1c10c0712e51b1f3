/**
 * Receipts: one record per ended job or pod, with what it used, handed to the exporters that take
 * logs.
 */
package io.cgroupotel.agent.receipt;
