"""The inbox: cases, their priority with its reasons, routing rules, SLA
policies, knowledge-base answers and the tone check of drafts. Pure: plain
data in, plain data out; the service reads and stores them."""
