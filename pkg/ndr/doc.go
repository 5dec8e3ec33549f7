// Package ndr reads non-delivery reports (bounces) and explains them.
//
// It accepts a complete message (RFC 3464/6522 delivery status
// notifications and the layouts of MTA and provider families), pasted NDR
// text, ESP webhook JSON, a bare status code, or an mbox of many bounces,
// and returns per recipient the address, action, enhanced status, reply
// code, diagnostic, remote MTA, SMTP stage, a reason in Sisimai's vocabulary
// and whether the bounce is hard. Mboxes are streamed and parsed on all
// cores with the output order kept.
//
// A message is read by three sources of facts, in order: the family layout
// that recognises it (one file per family, layout_<family>.go, registered
// with its markers), the RFC 3464 delivery-status parts, and a generic
// scraper for layouts no family knows. merge.go joins their Facts, and
// Resolve turns a Fact into a Recipient through package reason, which a
// mail-log reader can call the same way.
//
// It does not fetch anything, send mail or look up DNS; the meaning of
// status codes comes from package statuscode.
package ndr
