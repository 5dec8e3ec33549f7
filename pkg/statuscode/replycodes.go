package statuscode

import "strconv"

// replies holds the basic reply codes of RFC 5321 §4.2.3, the 521 and 556
// of RFC 7504, and the authentication and TLS replies of RFC 4954 and
// RFC 3207 that bounces quote just as often.
var replies = []Entry{
	{Code: "211", Title: "System status", Source: "RFC 5321",
		Meaning: "Answer to a status or help request; not part of mail delivery."},
	{Code: "214", Title: "Help message", Source: "RFC 5321",
		Meaning: "Human-readable help from the server, usually the answer to HELP."},
	{Code: "220", Title: "Service ready", Source: "RFC 5321",
		Meaning: "The greeting banner: the server is ready to talk SMTP. Also the answer to STARTTLS meaning \"go ahead with the TLS handshake\"."},
	{Code: "221", Title: "Closing connection", Source: "RFC 5321",
		Meaning: "The server is closing the connection, normally after QUIT."},
	{Code: "235", Title: "Authentication succeeded", Source: "RFC 4954",
		Meaning: "AUTH completed and the client is now authenticated."},
	{Code: "250", Title: "Requested action completed", Source: "RFC 5321",
		Meaning: "The command worked; after the final dot of DATA it means the server has taken responsibility for the message."},
	{Code: "251", Title: "User not local, will forward", Source: "RFC 5321",
		Meaning: "The recipient is not local but the server accepts the message and will forward it to the path given."},
	{Code: "252", Title: "Cannot verify user, will attempt delivery", Source: "RFC 5321",
		Meaning: "The server will not confirm whether the address exists (VRFY is disabled, usually to stop address harvesting) but will accept mail for it."},
	{Code: "334", Title: "Authentication challenge", Source: "RFC 4954",
		Meaning: "The server sends a base64 challenge during AUTH and waits for the client's answer."},
	{Code: "354", Title: "Start mail input", Source: "RFC 5321",
		Meaning: "Reply to DATA: send the message now and end it with a line holding a single dot."},
	{Code: "421", Title: "Service not available, closing connection", Source: "RFC 5321",
		Meaning: "The server is shutting the session down for now: overload, maintenance, or (very often) rate limiting or a reputation-based deferral. The sender should retry later.",
		Fixes:   []string{"let the queue retry; if it persists, read the text after the code for the provider's reason"}},
	{Code: "432", Title: "Password transition needed", Source: "RFC 4954",
		Meaning: "The user must authenticate once with PLAIN so the server can enable the requested mechanism. Exchange also uses 432 with 4.3.2 for mailbox delivery throttling."},
	{Code: "450", Title: "Mailbox unavailable (temporary)", Source: "RFC 5321",
		Meaning: "The action was not taken because the mailbox is busy or temporarily blocked, for example by greylisting or a policy check; retrying later may succeed."},
	{Code: "451", Title: "Local error in processing", Source: "RFC 5321",
		Meaning: "The receiver hit a problem of its own (or a temporary policy block) and aborted the action; the sender should retry."},
	{Code: "452", Title: "Insufficient system storage", Source: "RFC 5321",
		Meaning: "The receiver is out of storage, or (after RCPT) the transaction already has as many recipients as it accepts; the rest should be sent later."},
	{Code: "454", Title: "TLS or authentication temporarily unavailable", Source: "RFC 3207, RFC 4954",
		Meaning: "STARTTLS cannot be used right now, or AUTH failed because of a temporary problem on the server."},
	{Code: "455", Title: "Server unable to accommodate parameters", Source: "RFC 5321",
		Meaning: "The server cannot handle the MAIL or RCPT parameters right now; it may later."},
	{Code: "500", Title: "Syntax error, command unrecognized", Source: "RFC 5321",
		Meaning: "The command was not understood, or the line was too long. Some firewalls that inspect SMTP also produce it when they mangle commands."},
	{Code: "501", Title: "Syntax error in parameters or arguments", Source: "RFC 5321",
		Meaning: "The command was recognised but its arguments are malformed, such as a bad address or an invalid EHLO name."},
	{Code: "502", Title: "Command not implemented", Source: "RFC 5321",
		Meaning: "The server knows the command but does not implement it."},
	{Code: "503", Title: "Bad sequence of commands", Source: "RFC 5321",
		Meaning: "Commands came in the wrong order, for example RCPT before MAIL, or MAIL before authenticating where authentication is required."},
	{Code: "504", Title: "Command parameter not implemented", Source: "RFC 5321",
		Meaning: "A parameter of the command, such as an AUTH mechanism, is not supported."},
	{Code: "521", Title: "Host does not accept mail", Source: "RFC 7504",
		Meaning: "This host never accepts mail; sent as the greeting by servers that exist only for other services. Do not retry."},
	{Code: "530", Title: "Authentication or TLS required", Source: "RFC 4954, RFC 3207",
		Meaning: "The server requires the client to authenticate, or to start TLS, before this command.",
		Fixes:   []string{"configure the client or device to use STARTTLS and SMTP authentication"}},
	{Code: "534", Title: "Authentication mechanism is too weak", Source: "RFC 4954",
		Meaning: "The AUTH mechanism chosen is weaker than the server allows for this user."},
	{Code: "535", Title: "Authentication credentials invalid", Source: "RFC 4954",
		Meaning: "AUTH failed: wrong user name or password, or the account may not use this kind of sign-in."},
	{Code: "538", Title: "Encryption required for authentication mechanism", Source: "RFC 4954",
		Meaning: "The mechanism may only be used on an encrypted connection."},
	{Code: "550", Title: "Mailbox unavailable", Source: "RFC 5321",
		Meaning: "The action was refused for good: the mailbox does not exist, access is denied, or policy rejects the command. The enhanced code and the text say which.",
		Fixes:   []string{"read the enhanced status code and text; 550 alone covers many different refusals"}},
	{Code: "551", Title: "User not local", Source: "RFC 5321",
		Meaning: "The recipient is not handled here; the server may name a forward path to try instead. Servers also use it to refuse relaying."},
	{Code: "552", Title: "Exceeded storage allocation", Source: "RFC 5321",
		Meaning: "The action was aborted because a storage limit was exceeded: the mailbox is full or the message is too large."},
	{Code: "553", Title: "Mailbox name not allowed", Source: "RFC 5321",
		Meaning: "The address is not acceptable: bad syntax, or a sender the server will not accept."},
	{Code: "554", Title: "Transaction failed", Source: "RFC 5321",
		Meaning: "The transaction failed for good. As a greeting it means the server will not talk to this client at all, commonly a blocklisted IP."},
	{Code: "555", Title: "MAIL or RCPT parameters not recognized", Source: "RFC 5321",
		Meaning: "A MAIL FROM or RCPT TO parameter is unknown or not implemented by the server."},
	{Code: "556", Title: "Domain does not accept mail", Source: "RFC 7504",
		Meaning: "The recipient's domain does not accept mail at all, typically because it publishes a null MX (RFC 7505). Do not retry."},
}

var replyIndex = indexReplies(replies)

func indexReplies(ents []Entry) map[int]Entry {
	idx := make(map[int]Entry, len(ents))
	for _, e := range ents {
		n, err := strconv.Atoi(e.Code)
		if err == nil {
			idx[n] = e
		}
	}
	return idx
}
