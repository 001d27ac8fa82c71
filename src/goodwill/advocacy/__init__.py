"""Delight and give: advocates and the evidence for them, surprise-and-delight
gestures within a budget, and the give-versus-take reading of the brand's own
posts. Pure: plain data in, plain data out; the service reads and stores them."""
