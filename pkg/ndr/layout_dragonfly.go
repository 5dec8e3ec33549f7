package ndr

// DragonFly Mail Agent (dma, shipped with DragonFly BSD and Debian's
// dma package). mail.c writes "This is the DragonFly Mail Agent at
// <host>.", "There was an error delivering your mail to <addr>.", the
// error, and "Message headers follow." Its own errors include "DNS lookup
// failure: host <name> not found", "<mx> [<ip>] did not like our RCPT TO:
// <reply>" and "Could not deliver for the last <n> seconds. Giving up.".
func init() {
	register(62, &family{id: "dragonfly", m: markers{
		body: []string{"this is the dragonfly mail agent"},
	}, read: func(m *message) *parsed { return scraped(m, nil) }})
}
