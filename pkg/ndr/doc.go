// Package ndr reads non-delivery reports (bounces) and explains them.
//
// It accepts a complete message (RFC 3464/6522 delivery status
// notifications and the layouts of common MTAs and providers), pasted NDR
// text, a bare status code, or an mbox of many bounces, and returns per
// recipient the address, action, enhanced status, reply code, diagnostic,
// remote MTA, a reason in Sisimai's vocabulary and whether the bounce is
// hard. Mboxes are streamed and parsed on all cores with the output order
// kept.
//
// It does not fetch anything, send mail or look up DNS; the meaning of
// status codes comes from package statuscode.
package ndr
