package ndr

// Zimbra Collaboration (zimbra.com). Its MTA is Postfix with Amavis, so
// its bounces follow the Postfix templates ("This is the mail system at
// host ..."); what tells them apart is the Zimbra software in the trace:
// "X-Mailer: Zimbra", "X-Originating-Ip" with "Zimbra" in Received, or a
// host whose banner names Zimbra.
func init() {
	register(60, &family{id: "zimbra", test: zimbraDetect, read: readPostfix})
}

func zimbraDetect(m *message) bool {
	if !containsAny(m.lowHeader("X-Mailer")+" "+m.lowHeader("Received")+" "+m.lowHeader("X-Zimbra-Received"), []string{"zimbra"}) {
		return false
	}
	return postfixDetect(m)
}
