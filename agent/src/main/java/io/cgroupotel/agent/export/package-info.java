/**
 * The metric objects handed to exporters (made anew, or reused from export to export) and the
 * wrapper that keeps a failing exporter quiet.
 */
package io.cgroupotel.agent.export;
