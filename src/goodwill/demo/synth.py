"""Large, seeded, realistic synthetic social-media workspaces.

`generate(n)` streams `n` message records in the generic import format for a
fictional e-bike brand: customers asking about battery range, app logins,
deliveries and warranties, complaining, praising, shopping around and simply
chatting about cycling, on twitter, mastodon, bluesky, reddit and a review
site; the brand answering most (not all) of the questions and complaints and
posting now and then.

What makes it realistic enough to benchmark and demo with:

* People: about n/8 of them, with heavy-tailed (Pareto) activity, so most
  post once or twice and a few post hundreds of times. Popular people are
  also mentioned and replied to more.
* Conversations: every thread is planned when its first message is, so reply
  chains have sensible shapes (brand answer, customer answers back, other
  users join) and a reply always comes after its parent, minutes to a day or
  two later (the support team keeps office hours). About 40% of messages are
  replies; the brand writes about 8% and answers about two thirds of the
  questions and complaints.
* Time: a daily rhythm (quiet nights, late-morning and evening peaks), a
  weekly one (weekends differ), day-to-day noise and one app-outage day.

The stream is yielded in chronological order and ids are numbered in that
order (`s1`, `s2`, ...), so every `reply_to` names a record yielded earlier.
A shuffled list is put back into a valid order by sorting on `order_key`.

Speed and memory: phrase templates are filled in ahead of time, and thread
shapes are drawn once per kind of conversation (a pool of a few hundred
each) and then reused with fresh people, texts and times, so that a million
records take seconds in pure Python. Only the messages of open threads are
held, so memory does not grow with n beyond the population of people.
"""

from __future__ import annotations

import csv
import heapq
import json
import math
import random
from bisect import bisect
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import accumulate
from pathlib import Path
from statistics import NormalDist
from typing import Any

__all__ = ["FIELDS", "PLATFORMS", "brand_handles", "generate", "order_key", "write_csv", "write_jsonl"]

FIELDS: tuple[str, ...] = (
    "id", "platform", "author", "author_name", "text", "created_at",
    "reply_to", "kind", "is_brand", "likes", "reposts", "replies",
)
PLATFORMS: tuple[str, ...] = ("twitter", "mastodon", "bluesky", "reddit", "reviews")
_PLATFORM_WEIGHTS = (50, 15, 15, 12, 8)
DEFAULT_START = datetime(2026, 8, 1, tzinfo=UTC)

Record = dict[str, Any]

# ---------------------------------------------------------------------------
# Word lists: people
# ---------------------------------------------------------------------------

_FIRST = (
    "Mara", "Tom", "Kasper", "Lena", "Jonas", "Aisha", "Priya", "Mateo", "Sofia", "Liam",
    "Noah", "Emma", "Olivia", "Lucas", "Mia", "Finn", "Freya", "Ingrid", "Sven", "Anika",
    "Ravi", "Chen", "Wei", "Yuki", "Hana", "Omar", "Layla", "Tariq", "Zara", "Elif",
    "Mehmet", "Giulia", "Marco", "Luca", "Chiara", "Pablo", "Lucia", "Diego", "Carmen", "Ana",
    "Joao", "Beatriz", "Pierre", "Camille", "Louis", "Chloe", "Hugo", "Manon", "Lars", "Astrid",
    "Nils", "Sanne", "Daan", "Femke", "Bram", "Jesse", "Sam", "Alex", "Jordan", "Casey",
    "Riley", "Morgan", "Jamie", "Taylor", "Robin", "Kim", "Dana", "Nora", "Ella", "Isla",
    "Oscar", "Felix", "Theo", "Max", "Ben", "Leo", "Ruth", "Grace", "Ada", "Iris",
    "Kofi", "Amara", "Tunde", "Ngozi", "Sipho", "Thandi", "Aroha", "Mika", "Saoirse", "Ciaran",
    "Niamh", "Rhys", "Carys", "Dylan", "Megan", "Hamish", "Fiona", "Callum", "Eilidh", "Ivan",
)
_LAST = (
    "Jensen", "Nielsen", "Hansen", "Larsen", "Berg", "Lindqvist", "Andersson", "Virtanen", "Novak", "Kowalski",
    "Nowak", "Horvat", "Muller", "Schmidt", "Weber", "Fischer", "Becker", "Wagner", "Hoffmann", "Vogel",
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Peeters", "Maes",
    "Dubois", "Moreau", "Laurent", "Lefevre", "Roux", "Garcia", "Martinez", "Lopez", "Fernandez", "Silva",
    "Santos", "Costa", "Ferreira", "Rossi", "Russo", "Bianchi", "Romano", "Ricci", "Conti", "Greco",
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas", "Walker", "Wright",
    "Murphy", "Kelly", "Byrne", "Walsh", "Campbell", "Stewart", "MacLeod", "Fraser", "Patel", "Shah",
    "Singh", "Kumar", "Khan", "Ali", "Chen", "Wang", "Li", "Zhang", "Tanaka", "Sato",
    "Suzuki", "Kim", "Park", "Nguyen", "Tran", "Okafor", "Mensah", "Dlamini", "Ngata", "Cohen",
    "Levi", "Yilmaz", "Demir", "Popescu", "Ionescu", "Petrov", "Ivanova", "Horvath", "Nagy", "Svoboda",
)
_WORDS = (
    "rides", "velo", "cycles", "pedals", "spokes", "commutes", "trail", "gravel", "roadie", "wheels",
    "cargo", "dad", "mum", "bikes", "outdoors", "urban", "climbs", "cadence", "chainring", "fixie",
    "tandem", "coffee", "north", "city", "green", "sunday", "daily", "slow", "fast", "miles",
    "kms", "hills", "rain", "sprocket", "gears", "saddle", "tailwind", "headwind", "crank", "hub",
    "watts", "volt", "amp", "spin", "loop", "route", "lane", "canal", "harbor", "forest",
)
_INSTANCES = (
    "mastodon.social", "mastodon.social", "mastodon.social", "fosstodon.org", "mas.to",
    "hachyderm.io", "social.vivaldi.net", "mstdn.social", "velo.social", "toot.community",
    "chaos.social", "mastodon.online", "aus.social", "mastodon.scot", "norden.social",
)
_NAME_EMOJI = ("🚲", "⚡", "🌿", "☕", "🏔️", "🌊", "🚴", "✨", "🔋")

# ---------------------------------------------------------------------------
# Word lists: the world the conversations happen in
# ---------------------------------------------------------------------------

_MODELS = ("Drift", "Meridian", "Solstice", "Ridge", "Harbor Cargo", "Drift ST", "Meridian Step-Through", "Lumen Folding")
_COMPETITORS = ("Voltra", "Cadence E-Bikes", "Riverline", "Ampwheel", "Northpeak", "Zephyr Cycles")
_COMPETITOR_MODELS = ("Voltra City 3", "Riverline Tour", "Ampwheel Flux", "Northpeak Summit", "Zephyr Glide", "Cadence Metro")
_PARTS = (
    "motor", "battery", "display", "rear hub", "brake pads", "chain", "charger", "kickstand", "rear rack",
    "headlight", "throttle", "torque sensor", "derailleur", "belt drive", "controller", "charging port",
)
_CITIES = (
    "Copenhagen", "Amsterdam", "Berlin", "Portland", "Melbourne", "Leeds", "Utrecht", "Montreal", "Lyon", "Ghent",
    "Seattle", "Bristol", "Malmo", "Hamburg", "Denver", "Toronto", "Oslo", "Vienna", "Zurich", "Austin",
    "Glasgow", "Dublin", "Munich", "Rotterdam", "Vancouver", "Wellington", "Barcelona", "Milan", "Aarhus", "Gothenburg",
)
_COUNTRIES = ("Canada", "Ireland", "Norway", "Portugal", "Poland", "New Zealand", "Austria", "Switzerland", "Iceland", "Japan", "Finland", "Czechia")
_SEASONS = ("winter", "the cold", "the rain", "summer heat", "a headwind", "hilly terrain", "autumn", "sub-zero mornings")
_WEATHER = ("rain", "sunshine", "drizzle", "fog", "a proper gale", "heat", "first frost", "perfect autumn light", "sideways rain")
_STORMS = ("rain", "drizzle", "a proper gale", "sideways rain", "hail", "a thunderstorm", "a downpour")
_COLORS = ("sage green", "midnight blue", "sand", "matte black", "coral", "storm grey")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
_STREETS = ("Main Street", "the harbour front", "Canal Road", "the ring road", "Market Square", "the old rail line", "Bridge Street", "the river path")
_AGENTS = ("Maya", "Jonas", "Priya", "Sam", "Lotte", "Ravi", "Elena", "Kai")
_TEAMS = ("warranty", "logistics", "tech", "app", "customer care", "service")

_HASHTAGS = (
    "#ebike", "#ebike", "#ebike", "#bikecommute", "#bikecommute", "#cycling", "#ebikes", "#emtb", "#cargobike",
    "#bikelife", "#commute", "#cyclingcommunity", "#velo", "#urbancycling", "#gravel", "#bikeinfrastructure",
    "#30daysofbiking", "#bikeportland", "#fietsen", "#radfahren",
)
_EMOJI = ("🚲", "⚡", "🔋", "😅", "🙌", "😡", "👍", "❤️", "🤔", "😩", "☔", "🌞", "🎉", "🙏", "😂", "🤦", "💪", "🌧️")

# ---------------------------------------------------------------------------
# Phrase banks. Slots in braces are filled per thread, so a brand answer
# names the same model or order number as the question it answers.
# ---------------------------------------------------------------------------

# topic -> (help-page slug, questions, complaints, brand answers, peer answers)
_TOPICS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "battery": (
        "battery-range",
        (
            "What's the real-world range of the {model} in {season}? Getting about {km} km on eco, is that normal?",
            "How long does a full charge take on the {model}?",
            "Is it ok to leave the {model} battery on the charger overnight?",
            "Can I buy a second battery for the {model}? Planning some {km2} km days.",
            "Battery shows {pct}% and then drops straight to zero, anyone else seen this?",
            "Does cold weather damage the battery or just reduce range?",
            "Which assist mode gives the best range on the {model}?",
            "How many charge cycles is the {model} battery rated for?",
            "range question: {km} km on a full charge, flat commute, 85 kg rider. good or bad?",
            "Can I take the {model} battery on a train/ferry?",
        ),
        (
            "My {model} battery went from 100% to dead in {km} km. That's half of what was advertised.",
            "Battery won't charge past {pct}% since last week. Bike is {months} months old.",
            "The charger light just blinks red and nothing happens. {model}, bought in {month}.",
            "Range on my {model} has dropped by a third in {months} months. Not impressed.",
            "Battery lock is jammed and I can't get the pack out to charge it. Stuck.",
        ),
        (
            "Range depends a lot on temperature, tyre pressure and assist level; {km} km in {season} is within the normal band.",
            "A full charge takes 4-5 hours with the standard charger, 2.5 with the fast charger.",
            "Leaving it on the charger overnight is fine, the BMS stops at 100%. For storage keep it around 60%.",
            "Yes, spare batteries for the {model} are in the shop and work with the dual-battery mount.",
            "That pattern usually means the cells need balancing: charge to 100% and leave it connected for two extra hours.",
            "Cold reduces range temporarily but doesn't damage the pack; store and charge it indoors.",
        ),
        (
            "I get about {km} km on mine, {season} cuts it by a third.",
            "Pump your tyres up, made a huge difference for me.",
            "Eco mode plus a bit more effort on hills = easily {km2} km.",
            "Mine did that too, a full charge with the bike off fixed it.",
            "Charge it indoors in winter, cold batteries hate fast charging.",
        ),
    ),
    "app": (
        "app-login",
        (
            "Can't log in to the {app} since the update, keeps saying 'session expired'. Any fix?",
            "Is there a way to reset my password in the {app}? The email never arrives.",
            "{app} won't pair with my {model} anymore, is there a reset procedure?",
            "Does the {app} work on Android {android}?",
            "How do I update the firmware on the {model} through the {app}?",
            "Can two people share one bike in the {app}?",
            "Where did the ride history go in the latest {app} version?",
        ),
        (
            "The {app} has logged me out three times today and now won't accept my password.",
            "App update {version} broke bluetooth pairing. Can't unlock my bike. Great.",
            "Paid for a bike, not for an app that crashes every time I open the map.",
            "The {app} lost all my ride history after the update. {months} months of data gone.",
            "Login loop in the {app}: enter code, back to login screen, repeat forever.",
        ),
        (
            "A fix for the login loop is rolling out in version {version}; until then, clear the app cache and sign in again.",
            "Password reset emails can land in spam, and they expire after 15 minutes.",
            "To re-pair, hold the light button for 10 seconds until the display flashes, then add the bike again in the app.",
            "Android 10 and newer are supported; older versions can still ride, just without live stats.",
            "Firmware updates run from Settings > Bike > Update with the bike switched on and at least 30% charge.",
            "Ride history is still there: it moved to the Profile tab in the new version.",
        ),
        (
            "Uninstall + reinstall worked for me.",
            "Same here since {weekday}, looks like their servers.",
            "Check spam, my reset email was there.",
            "You can still ride without the app, the display works fine.",
            "Logging out on the other phone fixed it for me.",
        ),
    ),
    "delivery": (
        "delivery",
        (
            "Ordered a {model} {days} days ago, tracking hasn't moved. Any update? Order {order}",
            "When will the {model} in {color} be back in stock?",
            "Do you ship to {country}?",
            "Can I change the delivery address after ordering?",
            "Is the {model} delivered fully assembled?",
            "Any idea on delivery times to {city} right now?",
        ),
        (
            "{days} days and still no {model}. Order {order}. Nobody answers the phone.",
            "Delivery was supposed to be {weekday}. Took the day off work, nobody showed up.",
            "My {model} arrived with a scratched frame and a bent {part}. Box was fine.",
            "Tracking says delivered. It wasn't. Order {order}.",
            "Third time my delivery date has been pushed back. Considering cancelling.",
        ),
        (
            "Current delivery times are 5-8 working days; the {color} {model} is back in stock from week {week}.",
            "We ship to most of Europe, the UK, Canada and New Zealand; the checkout shows options for your address.",
            "The address can be changed until the bike leaves the warehouse, just reply to your order email.",
            "Bikes arrive 95% assembled: handlebar and pedals go on in about 15 minutes.",
            "Your order has been picked and the carrier should update tracking within 48 hours.",
        ),
        (
            "Took {days} days for mine, tracking only updated on the last day.",
            "Mine came in 6 days to {city}.",
            "Call the carrier directly, they were more helpful than the shop.",
            "Same, waiting since {weekday}.",
        ),
    ),
    "warranty": (
        "warranty",
        (
            "Is the {part} covered under warranty on the {model}?",
            "My {part} cracked after {months} months, is that a warranty thing?",
            "Does the warranty transfer if I buy a used {model}?",
            "How long is the warranty on the motor and battery?",
            "Do I void the warranty if I swap the saddle and pedals?",
        ),
        (
            "Warranty claim for my {part} open for {weeks} weeks. No answer. Ticket {ticket}.",
            "Told my {part} failure is 'wear and tear' after {months} months. Seriously?",
            "{part} died again, second time this year. Third replacement?",
        ),
        (
            "Frame is covered for 10 years, motor and battery for 2 years or 800 cycles, other parts for 2 years.",
            "Swapping saddle, pedals or grips doesn't affect your warranty.",
            "Warranty transfers to the new owner with the original receipt.",
            "A cracked {part} at {months} months is definitely something we want to look at.",
        ),
        (
            "They replaced my {part} under warranty, took about two weeks.",
            "Keep the receipt, they asked for it.",
            "Mine was covered, just send photos.",
        ),
    ),
    "service": (
        "service",
        (
            "Where can I get my {model} serviced in {city}?",
            "How often should the {part} be replaced?",
            "Can any bike shop work on the {model} or does it need a partner store?",
            "Is there a recommended service interval for the {model}?",
            "The {part} makes a clicking noise on hills, normal?",
        ),
        (
            "Partner shop in {city} says they can't get {part} spares for {weeks} weeks. Bike's useless till then.",
            "Squeaking {part} after {km} km. Service centre 'couldn't reproduce'.",
            "Paid for a service, {part} still grinding.",
        ),
        (
            "Any good bike shop can handle the mechanical parts; motor and electrics need a partner store, listed on our site.",
            "We recommend a service every 2,000 km or once a year.",
            "A clicking {part} is usually a loose bolt, but please let a partner shop check it.",
            "Brake pads typically last 1,500-3,000 km depending on terrain and weather.",
        ),
        (
            "My local shop in {city} does them, really good.",
            "Had the same noise, it was the {part} needing grease.",
            "Check the torque on the crank bolts.",
        ),
    ),
    "sizing": (
        "sizing",
        (
            "I'm {height} cm, M or L frame for the {model}?",
            "Is the {model} ok for a rider over 110 kg?",
            "Can I test ride a {model} anywhere near {city}?",
            "What's the difference between the {model} and the {model2}?",
        ),
        (
            "Ordered the size your chart recommended for {height} cm and it's way too big.",
            "Test ride booking in {city} cancelled on me twice.",
        ),
        (
            "At {height} cm most riders go for M; between sizes, pick M for comfort and L for a sportier position.",
            "The {model} is rated for a total weight of 150 kg including luggage.",
            "Test rides can be booked at any partner store, listed on our site.",
        ),
        (
            "I'm {height} and ride an M, perfect fit.",
            "Go to a shop and try both if you can.",
        ),
    ),
}

_TOPIC_NAMES = tuple(_TOPICS)
_TOPIC_WEIGHTS = (30, 22, 20, 12, 10, 6)

_REDDIT_CONTEXT = (
    "I commute {km} km each way, mostly flat.",
    "Bought it in {month}, about {km2} km on the clock.",
    "Already tried turning it off and on again, obviously.",
    "Any advice appreciated!",
    "Not sure if this is a me problem or a bike problem.",
    "For context I'm about {height} cm and ride in all weather.",
    "Support said they'd get back to me, that was {days} days ago.",
    "EDIT: formatting",
    "Thanks in advance, this sub has been super helpful so far.",
    "Pics in the comments if that helps.",
    "Otherwise I love the bike, so I'd like to keep it.",
    "Curious what others have seen.",
)

_PRAISE = (
    "Three months and {km2} km on my {model}, zero issues. Best purchase of the year.",
    "Shoutout to {brandname} support, had a new {part} sent out in two days.",
    "The {model} just climbed the hill I used to push my old bike up. Grinning like an idiot.",
    "love my {model}",
    "Sold the car. The {model} does the school run, the shopping and the commute.",
    "{brandname}'s service team in {city} sorted my bike in an hour. Legends.",
    "Commute used to be 40 min on the bus, now 22 min on the {model} and I actually enjoy it.",
    "Honestly didn't expect the battery to last this long in {season}. Impressed.",
    "New {color} {model} arrived today and it's gorgeous.",
    "One year with the {model}: {km2} km, one set of brake pads, zero regrets.",
    "best bike ever",
    "The belt drive on the {model} is so quiet I keep checking it's still there.",
    "Took the {model} on a {km} km day trip, came home with {pct}% left.",
    "Kudos to whoever designed the {app}, ride stats are actually useful.",
)

_SUGGESTIONS = (
    "Would love a proper rear rack option for the {model}, the current one is a bit flimsy.",
    "Feature request for the {app}: export rides to GPX please.",
    "Please make the {model} in {color}!",
    "Any plans for a cargo version of the {model}? Would buy in a heartbeat.",
    "The {app} really needs a dark mode.",
    "Suggestion: a fender kit that actually fits the {model} with wider tyres.",
    "Would be great if the display showed remaining range in km, not just bars.",
    "Idea: let us set a custom max assist speed in the {app} for the kids.",
    "Bring back the {color} colourway!",
)

_PURCHASE = (
    "Torn between the {model} and the {model2}. Anyone ridden both?",
    "Thinking about getting a {model} for my {km} km commute. Worth it?",
    "Is the {model} worth the extra over the {model2}?",
    "Finally ordering the {model} this weekend, any accessories I shouldn't skip?",
    "Looking for an e-bike under {price} for hilly {city}. {brandname} or {competitor}?",
    "Saving up for a {model}. Any discounts coming up?",
    "Test rode the {model} today. Sold. Now to convince my partner.",
    "Anyone bought a second-hand {model}? What should I check?",
)

_CHATTER = (
    "Rode {km} km to work today in {weather}. {model} didn't care.",
    "Morning commute along {street} on the {model}, {weather} and empty roads.",
    "Weekend loop: {km2} km, three coffee stops, one flat tyre.",
    "Parked my {model} next to another {model} at the station. We nodded at each other.",
    "Day {days} of commuting by e-bike instead of driving. Still smiling.",
    "New lights on the {model}, night rides are a different sport now.",
    "Quick ride before the weather turns",
    "Took the kids to school on the {model}, they now refuse the car.",
    "{km} km round trip to the lake today, battery still at {pct}%.",
    "First ride of the season on the {model} and it feels like flying.",
    "Anyone else ride their {model} in {weather}? Asking for a friend.",
    "The {model} has officially replaced the second car in our household.",
)

_NOISE = (
    "{city} is finally opening the new bike lane on {street}.",
    "{city} announces an e-bike subsidy of up to {amount}. About time.",
    "Does anyone know a good bike shop in {city}?",
    "Drivers in {city} this morning were something else.",
    "What's everyone's go-to rain gear for commuting?",
    "Hot take: fenders are the most underrated bike accessory.",
    "New study says e-bike commuters get almost as much exercise as regular cyclists.",
    "Saw the {model2} in person today, looks smaller than in photos.",
    "Cargo bike school run in {storm}. Kids loved it, I did not.",
    "Just did my first {km2} km ride ever. Legs are jelly.",
    "Bike theft in {city} is getting ridiculous. Lock your bikes, people.",
    "Which is better for commuting: hub motor or mid-drive?",
    "Bike to Work Day in {city} on {weekday}, who's in?",
    "Traffic jam on the ring road, me on the bike lane: 😌",
    "Anyone tried {competitor}? Their new {model2} looks interesting.",
    "Tyre pressure: how often do you check it?",
    "The {street} bridge is closed for cyclists until {month}. Detour adds {km} km.",
    "Got caught in {storm} today without a jacket, lesson learned.",
    "Group ride in {city} this {weekday}, all bikes welcome.",
    "{competitor} just announced a recall on some {model2} batteries.",
    "Reminder that bike lanes are not parking spaces.",
    "Teaching my dad to ride an e-bike at 70. He's faster than me now.",
)

_REVIEW_TITLES = {
    5: ("Fantastic bike", "Exceeded expectations", "Best purchase in years", "Great service", "Love it"),
    4: ("Very good, small niggles", "Great bike, app could be better", "Solid choice", "Happy overall"),
    3: ("Mixed feelings", "Good bike, poor delivery", "Okay", "Decent but pricey"),
    2: ("Disappointed", "Support too slow", "Expected more", "Not great"),
    1: ("Avoid", "Terrible experience", "Still waiting for a fix", "Worst customer service", "Broken after a month"),
}
_REVIEW_BODIES = {
    5: (
        "Bought the {model} in {month}, {km2} km so far and no problems at all.",
        "Delivery was quick and assembly took 15 minutes.",
        "The motor is smooth and quiet, battery easily does {km} km.",
        "Support answered within an hour when I had a question about the {part}.",
        "Would recommend to anyone thinking about commuting by e-bike.",
    ),
    4: (
        "Great ride quality on the {model}.",
        "The {app} is a bit clunky but the bike itself is excellent.",
        "Delivery took {days} days, longer than promised, but worth the wait.",
        "Range is a bit lower than advertised in {season}.",
    ),
    3: (
        "The bike is fine, but delivery took {weeks} weeks.",
        "The {part} needed adjusting out of the box.",
        "Good value compared to {competitor}, but customer service was slow.",
        "The {app} logs me out all the time.",
    ),
    2: (
        "The {part} failed after {months} months and the warranty claim is dragging on.",
        "Nobody answers the phone, emails take a week.",
        "Range is nowhere near what was advertised.",
        "Tracking never worked and the bike arrived with a scratched frame.",
    ),
    1: (
        "Ordered in {month}, still no bike and no answer from support. Order {order}.",
        "{part} broke in the first month. Ticket {ticket} open for {weeks} weeks.",
        "The {app} won't let me log in and I can't unlock the bike without it.",
        "Asked for a refund three times. Nothing.",
        "Would not buy again.",
    ),
}

_BRAND_GREET = ("Hi {first}!", "Hey {first},", "Hi there,", "Thanks for reaching out, {first}.", "Hello {first},", "Hi {first},", "")
_BRAND_SORRY = (
    "Sorry about this.", "We're sorry to hear that.", "That's not the experience we want you to have.",
    "Really sorry for the hassle.", "Apologies for the wait.", "Oh no, that's frustrating.",
)
_BRAND_DM = (
    "Could you DM us your order number so we can check?",
    "Send us a DM with your frame number and we'll take a look.",
    "Our {team} team will follow up by DM.",
    "Please DM us your email address and we'll get this sorted.",
    "Can you send us a DM with a photo? We'll take it from there.",
)
_BRAND_LINK = ("More here: ", "This guide should help: ", "Step by step: ", "Details: ", "")
_BRAND_SIGN = ("", "", "", " ^{initial}", " - {agent}")
_BRAND_THANKS = (
    "Thank you {first}, this made our day! 🚲",
    "Love to hear it! Enjoy the ride.",
    "Thanks for sharing, {first}! Happy riding.",
    "This is why we do what we do. Thanks {first}!",
    "Great photo! Ride safe out there.",
    "{km2} km already? Amazing!",
)
_BRAND_SUGGESTION = (
    "Great idea, {first}! We've passed it on to the product team.",
    "Thanks for the suggestion, it's on our list.",
    "Noted! Our {team} team is looking into exactly this.",
    "We hear you. Can't share dates yet, but stay tuned 👀",
)
_BRAND_PURCHASE = (
    "Happy to help you choose, {first}! The {model} is great for commutes up to {km} km each way.",
    "Test rides are available at partner stores, that's the best way to decide.",
    "Both are good bikes; the {model} has the bigger battery and a belt drive.",
    "Feel free to DM us with any questions before you order!",
)
_BRAND_FOLLOWUP = (
    "Thanks {first}, we've got your DM and escalated it to our {team} team.",
    "We've just replied by DM.",
    "Our {team} team will contact you within 24 hours, sorry again for the wait.",
    "We understand, {first}. A replacement {part} is on its way, tracking follows by email.",
    "We've raised this as a priority. You'll hear from us today.",
    "Thanks for your patience, {first}. Could you check your inbox? We sent an update.",
)
_BRAND_CLOSE = ("Glad to hear it! Enjoy the ride 🚲", "Great news! Ride safe.", "Happy to help!", "Brilliant, thanks for letting us know.")
_BRAND_POSTS = (
    "The new {model} is here: longer range, quieter motor, same price. {link}",
    "Autumn service weeks: 20% off servicing at all partner stores until the end of {month}. {link}",
    "App update {version} is rolling out today with GPX export and a dark mode. {link}",
    "Planned maintenance tonight 01:00-03:00 UTC: the {app} may be unavailable. Your bike works as normal.",
    "Riding in {season}? Our top 5 tips to get the most out of your battery: {link}",
    "Meet the team behind the {model}: a short film about building bikes in {city}. {link}",
    "We're at the {city} cycle show this {weekday}. Come say hi and test ride the {model}!",
    "Giveaway! Tell us your favourite commute route for a chance to win a {model} accessory kit.",
    "Known issue: some users can't log in to the {app}. We're on it and will post updates here.",
    "Free delivery on all {model} orders this week. {link}",
    "Now shipping to {country}! {link}",
)
_BRAND_POST_SLUGS = ("news", "service-weeks", "app-release-notes", "battery-range", "stories", "events", "shipping")

_FOLLOW_GOOD = (
    "That worked, thanks!", "Perfect, cheers 🙌", "Sorted, thank you!", "Thanks, will try that.",
    "Great, thanks for the quick reply.", "ok thanks", "Brilliant, that did it.", "Thanks, DM sent.",
)
_FOLLOW_BAD = (
    "Already tried that, still nothing.", "DM sent, order {order}.", "It's been {days} days. This is ridiculous.",
    "That's what you said last week.", "Still broken after the update.", "DM sent two days ago, no reply.",
    "Your help page doesn't cover this at all.", "Not good enough, honestly.", "Any news? Still waiting.",
    "Sent the photos, nothing since.",
)
_BUMP = (
    "Hello? Anyone?", "Still waiting for an answer here...", "Bump. {brandname}, anyone?", "No reply. Great.",
    "Guess I'll call instead.", "Day {days} without an answer.",
)
_PEER_SAME = (
    "Same here", "Same problem since {weekday}.", "+1, exactly the same", "Same, following.",
    "Happening to me too 😩", "Glad it's not just me.", "same",
)
_PEER_CHAT = (
    "Great shot!", "Where is this?", "Nice!", "Looks amazing", "Jealous of that weather.", "How's the range in {season}?",
    "I need one of these.", "That bike lane looks great.", "{city} drivers are the worst, stay safe.", "Love this 😍",
    "Which tyres are you running?", "How heavy is it?", "Mine does about {km} km on that route.", "Totally agree.",
    "Hard disagree, mid-drive all the way.", "Ha, same route as me!", "What lock do you use?", "Fenders. Always fenders.",
    "So true", "This is the way.", "Did you take {street}?", "Congrats!", "Welcome to the club!",
    "My {model} would like a word.", "I switched from {competitor} last year, no regrets.", "Good question, following.",
    "Depends on the hills honestly.", "Try the river path, much calmer.", "Wow", "Needed to hear this today.",
)
_PEER_BACK = (
    "Thanks!", "Haha yes", "Exactly my point.", "Fair enough.", "Around {km} km, depends on the wind.",
    "Down by {street}.", "Good tip, will try.", "Not sure tbh, I'd ask the shop.", "Cheers!", "You should!",
    "Agree to disagree 😄", "I'll post a pic later.", "Noted, thanks.", "That's what I thought too.",
)
_PEER_RECOMMEND = (
    "Had the {model} for a year, would buy again.", "Go for it, best decision I made.",
    "Test ride both, they feel very different.", "The {model2} is fine but the {model} has better support.",
    "Get a good lock and fenders, trust me.", "Wait for the autumn sale if you can.",
    "I went {competitor}, cheaper but the app is worse.",
)
_FANS = (
    "Finally!", "Take my money 😂", "Is this available in {country}?", "When is this coming to the {model}?",
    "Does this work with the older {model}?", "Nice one!", "About time 👏", "Looks great!", "Will the {model} get this too?",
    "Is the discount also online?", "Can we get this in {color}?",
)

# A few conversations in other languages: (question/complaint, praise/chatter).
_FOREIGN = (
    "Hat jemand Erfahrung mit dem {model} im Winter? Reichweite?",
    "Mein Akku lädt seit gestern nicht mehr. Was tun?",
    "Super Fahrrad, fahre jeden Tag {km} km damit zur Arbeit!",
    "Weet iemand hoe ik de {app} opnieuw koppel met mijn fiets?",
    "Mijn {model} is na {days} dagen nog steeds niet geleverd.",
    "Heerlijk gefietst vandaag, {km} km langs het water.",
    "¿Alguien sabe si el {model} llega a {country}?",
    "La batería no carga después de la actualización. Ayuda por favor.",
    "Me encanta mi {model}, lo uso todos los días.",
    "Quelqu'un a testé le {model} en montagne ?",
    "Livraison en retard de {days} jours, commande {order}. Pas content.",
    "Premier trajet domicile-travail en vélo électrique, génial !",
    "Nogen der har prøvet {model} på {km} km om dagen?",
    "Qualcuno sa se la garanzia copre il {part}?",
)

# ---------------------------------------------------------------------------
# Conversation starters and how each kind of thread tends to unfold
# ---------------------------------------------------------------------------

_CATEGORIES = ("question", "complaint", "praise", "suggestion", "purchase", "chatter", "noise", "brand_post")
_CATEGORY_WEIGHTS: dict[str, tuple[float, ...]] = {
    "social": (0.044, 0.029, 0.10, 0.030, 0.060, 0.25, 0.470, 0.017),
    "reddit": (0.068, 0.027, 0.05, 0.030, 0.100, 0.20, 0.517, 0.008),
}
# category -> (phrases, chance the brand is mentioned, chance the brand joins, brand phrases, reply rate)
_CHAT: dict[str, tuple[tuple[str, ...], float, float, tuple[str, ...], float]] = {
    "praise": (_PRAISE, 0.60, 0.08, _BRAND_THANKS, 0.085),
    "suggestion": (_SUGGESTIONS, 0.70, 0.25, _BRAND_SUGGESTION, 0.09),
    "purchase": (_PURCHASE, 0.45, 0.25, _BRAND_PURCHASE, 0.19),
    "chatter": (_CHATTER, 0.30, 0.012, _BRAND_THANKS, 0.086),
    "noise": (_NOISE, 0.0, 0.0, _BRAND_THANKS, 0.086),
}
_BRAND_TO_FANS = _BRAND_PURCHASE + _BRAND_CLOSE
_FOLLOW_ANY = _FOLLOW_BAD + _FOLLOW_GOOD
_FOLLOW_ESCALATE = _FOLLOW_BAD[2:]
_DRESSING_BITS = 10
_DRESSINGS = 1 << _DRESSING_BITS  # pre-drawn ways of dressing up a post, per platform and mention rate
_MICROBLOGS = frozenset({"twitter", "mastodon", "bluesky"})
_MENTION_FORMS = (" cc @{}", " @{} you'd like this", " (with @{})", " h/t @{}")

# Assumed messages per conversation before any are planned (adapted as we go).
_PRIOR_THREAD_SIZE = {"twitter": 1.7, "mastodon": 1.7, "bluesky": 1.7, "reddit": 2.2, "reviews": 1.25}


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


class _SlotsBase(dict[str, str]):
    """A template context that fills a slot the first time a template uses it.

    Subclassed per generator so that `specs` and `rnd` are class attributes.
    """

    __slots__ = ()
    specs: dict[str, Any] = {}
    rnd: Callable[[], float]

    def __missing__(self, key: str) -> str:
        spec = self.specs[key]
        if type(spec) is tuple:
            value: str = spec[int(self.rnd() * len(spec))]
        else:
            value = spec(self.rnd())
        self[key] = value
        return value


def _split_brand(brand: str) -> tuple[str, str]:
    """'halcyonbikes' -> ('halcyon', 'bikes'); a brand with no known suffix -> (brand, '')."""
    for suffix in ("bikes", "bike", "cycles", "motors", "shop", "store", "app", "labs", "hq", "co"):
        if brand.endswith(suffix) and len(brand) > len(suffix):
            return brand[: -len(suffix)].rstrip("_.-"), suffix
    return brand, ""


def brand_handles(brand: str) -> dict[str, str]:
    """The brand's handle per platform: 'halcyonbikes' is 'halcyon@bikes.example' on mastodon."""
    head, suffix = _split_brand(brand)
    fedi = f"{head}@{suffix}.example" if suffix else f"{brand}@social.example"
    return {
        "twitter": brand,
        "mastodon": fedi,
        "bluesky": f"{brand}.bsky.social",
        "reddit": brand,
        "reviews": brand,
    }


def _brand_display_name(brand: str) -> str:
    head, suffix = _split_brand(brand)
    return f"{head.title()} {suffix.title()}".strip()


def order_key(record: dict[str, Any]) -> tuple[str, int]:
    """Sort key that puts a shuffled list of records back into a valid order.

    Records sort by time, then by stream position; a reply is always at least
    thirty seconds younger than its parent, so parents come first.
    """
    return record["created_at"], int(str(record["id"])[1:])


def _utc(start: datetime | None) -> datetime:
    if start is None:
        return DEFAULT_START
    if start.tzinfo is None:
        return start.replace(tzinfo=UTC)
    return start.astimezone(UTC)


# The shape of a week, hour by hour (UTC): weekday and weekend profiles.
_WEEKDAY_HOURS = (
    0.20, 0.12, 0.08, 0.06, 0.06, 0.12, 0.35, 0.70, 0.95, 1.00, 1.15, 1.25,
    1.20, 1.05, 0.95, 0.90, 0.95, 1.05, 1.15, 1.30, 1.35, 1.20, 0.85, 0.45,
)
_WEEKEND_HOURS = (
    0.30, 0.20, 0.12, 0.08, 0.06, 0.08, 0.15, 0.30, 0.55, 0.85, 1.10, 1.25,
    1.30, 1.25, 1.20, 1.10, 1.05, 1.05, 1.05, 1.10, 1.05, 0.95, 0.75, 0.50,
)

_DAY = 86400
_MIN_GAP = 30  # a reply is at least this many seconds after its parent
_MAX_GAP = 2 * _DAY  # and at most this many
_MMSS = tuple(f"{m:02d}:{s:02d}Z" for m in range(60) for s in range(60))
_TABLE_BITS = 13
_TABLE = 1 << _TABLE_BITS  # size of the pre-drawn tables below: one getrandbits() per draw


def _lognormal_table(mu: float, sigma: float, lo: int, hi: int) -> tuple[int, ...]:
    """Quantiles of a clipped log-normal, so a draw is one getrandbits() and an index."""
    inv = NormalDist().inv_cdf
    return tuple(min(hi, lo + int(math.exp(mu + sigma * inv((i + 0.5) / _TABLE)))) for i in range(_TABLE))


_CUSTOMER_DELAYS = _lognormal_table(7.2, 1.5, _MIN_GAP, _MAX_GAP)  # median ~22 min
_BRAND_WORK = _lognormal_table(7.0, 1.0, _MIN_GAP, 6 * 3600)  # median ~18 min in office hours
_BRAND_WORK_WEEKEND = _lognormal_table(7.7, 1.0, _MIN_GAP, 8 * 3600)
# Engagement: Pareto quantiles minus one, so most messages get no likes and a few get many.
_LIKES = tuple((1.0 - (i + 0.5) / _TABLE) ** -0.7 - 1.0 for i in range(_TABLE))


@cache
def _likes(scale: float) -> tuple[int, ...]:
    """Like counts for messages of a given reach, as a table to draw from."""
    return tuple(int(scale * x) for x in _LIKES)


_NO_LIKES: tuple[int, ...] = ()
_LIKES_TINY = _likes(0.15)
_LIKES_LOW = _likes(0.2)
_LIKES_REPLY = _likes(0.3)
_LIKES_PEER = _likes(0.4)
_LIKES_BRAND = _likes(0.5)
_LIKES_REVIEW = _likes(0.6)
_LIKES_ASK = _likes(1.5)
_LIKES_BRAND_POST = _likes(12.0)


def _numbers(lo: int, hi: int, step: int = 1, fmt: str = "{}") -> tuple[str, ...]:
    return tuple(fmt.format(v) for v in range(lo, hi + 1, step))


_NUMBER_SLOTS: dict[str, Any] = {
    "km": _numbers(12, 95),
    "km2": _numbers(200, 9000, 100),
    "pct": _numbers(10, 80, 5),
    "days": _numbers(3, 45),
    "weeks": _numbers(2, 9),
    "week": _numbers(1, 52),
    "months": _numbers(1, 30),
    "height": _numbers(152, 201),
    "android": _numbers(8, 15),
    "amount": _numbers(100, 1000, 50, "€{}"),
    "price": _numbers(1500, 4500, 100, "€{}"),
    "initial": tuple(a[0] for a in _AGENTS),
    "first": ("{first}",),  # filled per message with the name of whoever is answered
    "order": lambda u: f"HB-{100000 + int(u * 900000)}",
    "ticket": lambda u: f"#{20000 + int(u * 80000)}",
    "version": lambda u: f"{2 + int(u * 3)}.{int(u * 600) % 20}.{int(u * 7000) % 10}",
}
_WORD_SLOTS: dict[str, tuple[str, ...]] = {
    "model": _MODELS, "model2": _COMPETITOR_MODELS, "competitor": _COMPETITORS, "part": _PARTS,
    "city": _CITIES, "country": _COUNTRIES, "season": _SEASONS, "weather": _WEATHER, "storm": _STORMS,
    "color": _COLORS, "weekday": _WEEKDAYS, "month": _MONTHS, "street": _STREETS, "agent": _AGENTS,
    "team": _TEAMS,
}


_BANK_BITS = 9
_BANK = 1 << _BANK_BITS  # filled-in phrases per phrase bank, drawn once per generator
_POOL_BITS = 9
_POOL = 1 << _POOL_BITS  # conversation shapes kept per kind of conversation, then reused


Person = tuple[str, str, str, int, tuple[int, ...]]


class _People:
    """One platform's population: handles, display names, first names and activity weights.

    People are drawn in proportion to their (Pareto) weight with Vose's alias
    method, except that a steady trickle of draws goes to the next person who
    has not posted yet, so nearly the whole population shows up at least once.
    """

    __slots__ = ("info", "weights", "accept", "alias", "index_bits", "size", "fresh", "q", "buf")

    def __init__(self, handles: list[str], names: list[str], firsts: list[str], weights: list[float]) -> None:
        # One tuple per person, so planning a message touches one place in memory:
        # (handle, display name, first name, tier, like table). Popular people
        # start bigger conversations (tier) and get more likes.
        top = len(_FAME_BY_OCTAVE) - 1
        self.info: list[Person] = [
            (handle, name, first, 0 if w < 3.0 else 1 if w < 30.0 else 2, _FAME_BY_OCTAVE[min(int(w).bit_length(), top)])
            for handle, name, first, w in zip(handles, names, firsts, weights, strict=True)
        ]
        self.weights = weights
        self.size = len(handles)
        self.accept, self.alias, self.index_bits = _alias_table(weights)
        self.fresh = 0
        self.q = 0.0
        self.buf: list[int] = []  # upcoming authors, drawn in batches


# Like tables by activity octave: reach grows with the square root of activity.
_FAME_BY_OCTAVE = tuple(_likes(round(0.5 + 0.5 * math.sqrt(1.5 * 2.0 ** (k - 1)), 1)) for k in range(13))
# A typical weight per tier, for how many people reply to a conversation.
_TIER_WEIGHT = (1.6, 9.0, 150.0)


def _alias_table(weights: list[float]) -> tuple[list[int], list[int], int]:
    """Vose's alias method, in integers: draw i with probability weights[i] / sum.

    The table is padded to a power of two so that one getrandbits() call gives
    both the slot (high bits) and the coin (low _COIN_BITS): slot i is kept if
    the coin is below accept[i], else replaced by alias[i]. Padding slots have
    no weight of their own and always pass to their alias.
    """
    size = len(weights)
    index_bits = max(1, (size - 1).bit_length())
    slots = 1 << index_bits
    scale = slots / sum(weights)
    prob = [w * scale for w in weights] + [0.0] * (slots - size)
    alias = list(range(slots))
    small = [i for i, p in enumerate(prob) if p < 1.0]
    large = [i for i, p in enumerate(prob) if p >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        alias[s] = g
        prob[g] += prob[s] - 1.0
        (small if prob[g] < 1.0 else large).append(g)
    heaviest = max(range(size), key=weights.__getitem__)
    for i in small + large:  # left over by rounding: keep their own slot
        prob[i] = 1.0
    for i in range(size, slots):
        if alias[i] >= size or prob[i] > 0.0:  # a padding slot must never be kept
            prob[i], alias[i] = 0.0, heaviest
    one = 1 << _COIN_BITS
    return [min(one, int(p * one)) for p in prob], alias, index_bits


_COIN_BITS = 20
_COIN_MASK = (1 << _COIN_BITS) - 1


# ---------------------------------------------------------------------------
# Conversation shapes
#
# A conversation is planned as a shape: the starting post and a list of nodes
# (parent index, role, delay after the parent, text, like table, whether a
# microblog reply mentions its parent). Roles are people: 0 is whoever
# started it, 1, 2, ... others, -1 the brand. Texts are a phrase bank (drawn
# from per use) or a fixed string; brand texts may say "{first}" for the name
# of whoever they answer; brand delays follow office hours from the parent's
# time. Shapes are kept in pools and reused with fresh people, texts and times.
# ---------------------------------------------------------------------------

Text = str | tuple[str, ...]
Node = tuple[int, int, int, Text, tuple[int, ...], bool]
Dressing = list[tuple[str, str, str, str]]


class _Shape:
    """A planned conversation, reusable (see above)."""

    __slots__ = ("root_role", "root_text", "suffix", "dressing", "root_likes", "nodes", "roles", "support", "size")

    def __init__(
        self, root_role: int, root_text: Text, suffix: str, dressing: Dressing | None,
        root_likes: tuple[int, ...] | None, nodes: list[Node], roles: int, support: int,
    ) -> None:
        self.root_role = root_role
        self.root_text = root_text
        self.suffix = suffix
        self.dressing = dressing
        self.root_likes = root_likes  # None: the author's own reach
        self.nodes = tuple(nodes)
        self.roles = roles
        self.support = support  # 0: not a question/complaint; 1: unanswered; 2: answered by the brand
        self.size = 1 + len(nodes)


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------

# What the next conversation is: platform index, platform, people, shape builder, its argument, shape pools.
Kind = tuple[int, str, _People, Callable[[str, Any, int, bool], _Shape], Any, list[list[_Shape]]]


class _Synth:
    """State for one generated stream: people, the clock, and the open threads."""

    # Activity is Pareto(ALPHA) in multiples of the least active person; weights
    # above CAP are spread over [0.4, 1] * CAP so the most active few differ.
    ALPHA = 0.8
    CAP = 2500.0
    DISPATCH_BITS = 13  # resolution of the table that picks what the next conversation is
    QUANTILES = 16384  # resolution of the table that maps stream position to time
    BATCH = 16  # conversations planned at a time

    def __init__(self, n: int, seed: int, brand: str, start: datetime, days: int) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.rnd = self.rng.random
        self.bits = self.rng.getrandbits
        self.brand = brand
        self.brand_handle = brand_handles(brand)
        self.brand_name = _brand_display_name(brand)
        self.t0 = int(start.timestamp())
        self.end_t = days * _DAY
        # Planned, not yet yielded messages: a heap of keys (time << 32 | sequence)
        # and the message with its parent under each key.
        self.heap: list[int] = []
        self.pending: dict[int, tuple[Record, Record | None]] = {}
        self.planned = 0
        self.stats: dict[str, int] = {"support_roots": 0, "support_answered": 0}
        self._build_clock(days)
        self._build_people(max(50, n // 8))
        self._build_phrases(seed)
        self._topic_cum = list(accumulate(_TOPIC_WEIGHTS))
        self._roots = [0] * len(PLATFORMS)
        self._sizes = [0] * len(PLATFORMS)
        self._dressings: dict[tuple[str, float], Dressing] = {}
        self._kinds: dict[tuple[str, str], Kind] = {}
        self._dispatch: list[Kind] = []
        self._adapt_platforms()

    # -- setup ---------------------------------------------------------------

    def _build_clock(self, days: int) -> None:
        rng = self.rng
        # created_at is "YYYY-MM-DDTHH:" for the hour plus "MM:SSZ" within it.
        self.hour_offset = self.t0 % 3600
        first_hour = datetime.fromtimestamp(self.t0 - self.hour_offset, UTC)
        self.hourstr = [(first_hour + timedelta(hours=h)).strftime("%Y-%m-%dT%H:") for h in range(days * 24 + 2)]
        daily = [rng.uniform(0.85, 1.15) for _ in range(days)]
        outage_day = rng.randrange(days // 3, max(days // 3 + 1, days - 1))
        daily[outage_day] *= 1.8  # an app outage: lots of people asking what's going on
        weights = []
        for b in range(days * 24):
            absolute = self.t0 + b * 3600
            weekday = (absolute // _DAY + 3) % 7  # 1970-01-01 was a Thursday
            profile = _WEEKEND_HOURS if weekday >= 5 else _WEEKDAY_HOURS
            weights.append(profile[(absolute // 3600) % 24] * daily[b // 24])
        self._build_quantiles(weights)
        self.outage = (outage_day * _DAY + 6 * 3600, outage_day * _DAY + 20 * 3600)

    def _build_quantiles(self, weights: list[float]) -> None:
        """Times at which 0, 1/K, 2/K, ... of the stream has happened, for linear interpolation."""
        k = self.QUANTILES
        cum = list(accumulate(weights))
        total = cum[-1]
        times: list[float] = []
        b = 0
        for i in range(k + 1):
            target = min(i / k, 0.999999999) * total
            while cum[b] <= target:
                b += 1
            prev = cum[b - 1] if b else 0.0
            times.append(b * 3600 + (target - prev) / weights[b] * 3600)
        self.qtimes = times
        self.qsteps = [times[i + 1] - times[i] for i in range(k)] + [0.0]
        self.qscale = k / self.n

    def _build_people(self, size: int) -> None:
        total = sum(_PLATFORM_WEIGHTS)
        self.people: dict[str, _People] = {}
        for platform, weight in zip(PLATFORMS, _PLATFORM_WEIGHTS, strict=True):
            people = self._population(platform, max(8, round(size * weight / total)))
            # About 90% of a platform's messages are written by its customers.
            people.q = min(0.9, people.size / (0.9 * self.n * weight / total))
            self.people[platform] = people

    def _population(self, platform: str, count: int) -> _People:
        rnd = self.rnd
        seen = {self.brand_handle[platform].casefold()}
        handles: list[str] = []
        names: list[str] = []
        firsts: list[str] = []
        weights: list[float] = []
        inv_alpha, cap = 1.0 / self.ALPHA, self.CAP
        nf, nl, ne = len(_FIRST), len(_LAST), len(_NAME_EMOJI)
        make = self._handle
        for _ in range(count):
            first = _FIRST[int(rnd() * nf)]
            last = _LAST[int(rnd() * nl)]
            handle = make(platform, first, last, "")
            folded = handle.casefold()
            while folded in seen:
                handle = make(platform, first, last, str(2 + int(rnd() * 9998)))
                folded = handle.casefold()
            seen.add(folded)
            handles.append(handle)
            firsts.append(first)
            r = rnd()
            weight = (1.0 - r) ** -inv_alpha
            weights.append(weight if weight <= cap else cap * (0.4 + 0.6 * rnd()))
            # Display names: mostly "First Last", some just a first name, a few with an emoji.
            r = rnd()
            if platform == "reviews":  # "Mara J."
                names.append(f"{first} {last[0]}.")
            elif r < 0.70:
                names.append(f"{first} {last}")
            elif r < 0.85:
                names.append(first)
            elif r < 0.93:
                names.append(f"{first} {last} {_NAME_EMOJI[int(r * 1000) % ne]}")
            else:
                names.append(f"{first.lower()} {_NAME_EMOJI[int(r * 1000) % ne]}")
        if platform == "reddit":  # no display names; people go by their handle
            names = firsts = handles
        return _People(handles, names, firsts, weights)

    def _handle(self, platform: str, first: str, last: str, salt: str) -> str:
        """A handle built from a name and a word ("mara_rides", "k.jensen", "velo_tom88"), in the platform's form."""
        rnd = self.rnd
        f, surname = first.lower(), last.lower().replace(" ", "")
        word = _WORDS[int(rnd() * len(_WORDS))]
        num = str(1 + int(rnd() * 98)) if rnd() < 0.4 else ""
        pattern = int(rnd() * 9)
        if pattern == 0:
            base = f"{f}_{word}"
        elif pattern == 1:
            base = f"{f[0]}.{surname}"
        elif pattern == 2:
            base = f"{word}_{f}{num or 70 + int(rnd() * 29)}"
        elif pattern == 3:
            base = f"{f}{surname}{num}"
        elif pattern == 4:
            base = f"{f}{num or 1 + int(rnd() * 998)}"
        elif pattern == 5:
            base = f"{f}.{surname}"
        elif pattern == 6:
            base = f"{word}{_WORDS[int(rnd() * len(_WORDS))]}{num}"
        elif pattern == 7:
            base = f"{f}_{surname[0]}{num}"
        else:
            base = f"the{word}{f}"
        if platform == "twitter":  # at most 15 characters, no dots
            return base.replace(".", "_")[: 15 - len(salt)].rstrip("_") + salt
        base += salt
        if platform == "mastodon":
            return f"{base.replace('.', '_')}@{_INSTANCES[int(rnd() * len(_INSTANCES))]}"
        if platform == "bluesky":
            return base.replace("_", "-").replace(".", "-") + ".bsky.social"
        if platform == "reddit":
            base = base.replace(".", "_")
            if rnd() < 0.3:
                return "_".join(part.capitalize() for part in base.split("_"))
            return base
        return base

    def _build_phrases(self, seed: int) -> None:
        """Templates are filled in ahead of time: a phrase is then one random index."""
        links = tuple(f"https://{self.brand}.example/{slug}" for slug in _BRAND_POST_SLUGS)
        specs: dict[str, Any] = {**_WORD_SLOTS, **_NUMBER_SLOTS, "link": links}
        fill_rng = random.Random(f"{seed}/phrases")
        self.Slots: type[_SlotsBase] = type(
            "Slots", (_SlotsBase,), {"__slots__": (), "specs": specs, "rnd": fill_rng.random},
        )
        self.base_slots = {
            "brandname": self.brand_name,
            "app": f"{self.brand_name.split()[0]} Ride app",
            "brand": self.brand,
        }
        self._banks: dict[int, tuple[str, ...]] = {}

    def _bank(self, bank: tuple[str, ...]) -> tuple[str, ...]:
        """`bank` filled in: _BANK phrases, the templates in turn, each with its own slot values."""
        expanded = self._banks.get(id(bank))
        if expanded is None:
            filled = []
            for k in range(_BANK):
                template = bank[k % len(bank)]
                filled.append(template.format_map(self.Slots(self.base_slots)) if "{" in template else template)
            expanded = self._banks[id(bank)] = tuple(filled)
        return expanded

    def _phrase(self, bank: tuple[str, ...]) -> str:
        """A random phrase from `bank`, slots filled; '{first}' is left for the caller."""
        return self._bank(bank)[self.bits(_BANK_BITS)]

    def _review_bank(self, stars: int) -> tuple[str, ...]:
        """Whole reviews with `stars` stars: rating, title and one to three sentences."""
        key = -stars
        expanded = self._banks.get(key)
        if expanded is None:
            rng, phrase = self.rng, self._phrase
            rating = "★" * stars + "☆" * (5 - stars)
            bodies = _REVIEW_BODIES[stars]
            expanded = self._banks[key] = tuple(
                f"{rating} {phrase(_REVIEW_TITLES[stars])}. "
                + " ".join(b.format_map(self.Slots(self.base_slots)) for b in rng.sample(bodies, 1 + int(rng.random() * 3)))
                for _ in range(_BANK)
            )
        return expanded

    def _dressing(self, platform: str, mention_brand: float) -> Dressing:
        """Ways people dress up a post, drawn ahead of time: (before, after, someone-else, tags).

        Brand mentions, hashtags and emoji the way people use them; `someone-else`
        is a format for mentioning another user, filled in when used.
        """
        key = (platform, mention_brand)
        table = self._dressings.get(key)
        if table is not None:
            return table
        rng = self.rng
        rnd = rng.random
        brand = self.brand_handle[platform]
        table = []
        for _ in range(_DRESSINGS):
            before = after = other = tags = ""
            if platform == "reddit":
                if rnd() < mention_brand * 0.3:
                    after = f" (u/{brand})"
            elif platform in _MICROBLOGS:
                r = rnd()
                if r < mention_brand * 0.55:
                    before = f"@{brand} "
                elif r < mention_brand:
                    after = f" @{brand}"
                if rnd() < 0.09:
                    other = _MENTION_FORMS[int(rnd() * len(_MENTION_FORMS))]
                r = rnd()
                if r < 0.28:
                    picked = rng.sample(_HASHTAGS, 2)
                    tags = " " + " ".join(picked if r < 0.12 and picked[0] != picked[1] else picked[:1])
                if rnd() < 0.12:
                    tags += " " + _EMOJI[int(rnd() * len(_EMOJI))]
            table.append((before, after, other, tags))
        self._dressings[key] = table
        return table

    def _reddit_body(self) -> str:
        phrase = self._phrase
        return "\n\n" + " ".join(phrase(_REDDIT_CONTEXT) for _ in range(1 + int(self.rnd() * 3)))

    # -- what happens next -----------------------------------------------------

    def _adapt_platforms(self) -> None:
        """Rebuild the table that decides where the next conversation starts and what it is.

        Platforms are weighted by target share over average thread size so far,
        so that each platform's share of messages stays on target.
        """
        entries: list[tuple[float, Kind]] = []
        for index, (platform, weight) in enumerate(zip(PLATFORMS, _PLATFORM_WEIGHTS, strict=True)):
            prior = _PRIOR_THREAD_SIZE[platform]
            share = weight * (self._roots[index] + 50) / (self._sizes[index] + 50 * prior)
            if platform == "reviews":
                entries.append((share, self._kind(platform, "review")))
                continue
            for category, w in zip(_CATEGORIES, _CATEGORY_WEIGHTS["reddit" if platform == "reddit" else "social"], strict=True):
                entries.append((share * w, self._kind(platform, category)))
        total = sum(w for w, _ in entries)
        table: list[Kind] = []
        cum = 0.0
        for w, entry in entries:
            cum += w
            table.extend([entry] * (round(cum / total * (1 << self.DISPATCH_BITS)) - len(table)))
        self._dispatch = table

    def _kind(self, platform: str, category: str) -> Kind:
        kind = self._kinds.get((platform, category))
        if kind is None:
            index = PLATFORMS.index(platform)
            builder: Callable[[str, Any, int, bool], _Shape]
            arg: Any = None
            if category == "review":
                builder = self._review_shape
            elif category == "brand_post":
                builder = self._brand_post_shape
            elif category in ("question", "complaint"):
                builder, arg = self._support_shape, category == "complaint"
            else:
                builder, arg = self._chat_shape, category
            pools: list[list[_Shape]] = [[] for _ in range(6)]  # by tier, and in the outage or not
            kind = self._kinds[(platform, category)] = (index, platform, self.people[platform], builder, arg, pools)
        return kind

    # -- the clock -----------------------------------------------------------

    def _brand_delay(self, t: int) -> int:
        """Support keeps office hours: 08-20 on weekdays, 09-17 at weekends (UTC)."""
        a = self.t0 + t
        hour = (a // 3600) % 24
        if (a // _DAY + 3) % 7 >= 5:
            opens, closes, work = 9, 17, _BRAND_WORK_WEEKEND
        else:
            opens, closes, work = 8, 20, _BRAND_WORK
        wait = 0
        if hour < opens:
            wait = (opens - hour) * 3600 - a % 3600
        elif hour >= closes:
            wait = (24 - hour + opens) * 3600 - a % 3600
        return min(_MAX_GAP, wait + work[self.bits(_TABLE_BITS)])

    # -- people ----------------------------------------------------------------

    def _refill(self, people: _People, batch: int = 1024) -> int:
        """Draw the next `batch` authors (see `_alias_table`), with newcomers spread among them."""
        accept, alias = people.accept, people.alias
        draws = map(self.bits, [people.index_bits + _COIN_BITS] * batch)
        buf = [i if r & _COIN_MASK < accept[i] else alias[i] for r in draws for i in (r >> _COIN_BITS,)]
        size = people.size
        left = size - people.fresh
        if left > 0 and people.q > 0.0:
            step = max(1, round(1.0 / people.q))
            count = min(left, len(range(0, batch, step)))
            buf[0: count * step: step] = range(people.fresh, people.fresh + count)
            people.fresh += count
        people.buf = buf
        return buf.pop()

    # -- conversation shapes ---------------------------------------------------

    def _node(self, nodes: list[Node], parent: int, role: int, text: Text, likes: tuple[int, ...],
              delay: int = -1) -> int:
        """Add a reply to the shape; return its index (the root is 0)."""
        if delay < 0:
            delay = _CUSTOMER_DELAYS[self.bits(_TABLE_BITS)]
        nodes.append((parent, role, delay, text, likes, self.rnd() < 0.85))
        return len(nodes)

    def _peer_count(self, mean: float) -> int:
        """How many people reply directly to a message: usually none, else geometric."""
        rnd = self.rnd
        if rnd() * (1.0 + mean) > mean:
            return 0
        k = 1
        while k < 60 and rnd() < 0.42:
            k += 1
        return k

    def _support_shape(self, platform: str, complaint: bool, tier: int, outage: bool) -> _Shape:
        rnd, bank, node = self.rnd, self._bank, self._node
        if outage and rnd() < 0.7:
            topic = "app"
        else:
            topic = _TOPIC_NAMES[bisect(self._topic_cum, rnd() * self._topic_cum[-1])]
        slug, questions, complaints, answers, peer_answers = _TOPICS[topic]
        text = bank(_FOREIGN if rnd() < 0.025 else complaints if complaint else questions)
        suffix = self._reddit_body() if platform == "reddit" else ""
        nodes: list[Node] = []
        roles = 1
        # Other customers chime in: an answer, or "same here".
        for _ in range(self._peer_count(0.12 * (0.5 + 0.5 * math.log1p(_TIER_WEIGHT[tier])))):
            reply = node(nodes, 0, roles, bank(peer_answers if rnd() < 0.5 else _PEER_SAME), _LIKES_PEER)
            if rnd() < 0.25:
                node(nodes, reply, 0, bank(_PEER_BACK), _LIKES_LOW)
            roles += 1
        answered = rnd() < (0.68 if complaint else 0.65)
        if not answered:
            if rnd() < 0.25:  # the customer bumps their own post
                node(nodes, 0, 0, bank(_BUMP), _NO_LIKES, min(_MAX_GAP, 3 * _CUSTOMER_DELAYS[self.bits(_TABLE_BITS)]))
        else:
            last = node(nodes, 0, -1, self._brand_answer(slug, answers, complaint), _LIKES_BRAND)
            self._support_chain(nodes, last, complaint)
            if rnd() < 0.1:  # someone else with the same problem asks the brand too
                ask = node(nodes, last, roles, self._phrase(_PEER_SAME) + " " + self._phrase(_FOLLOW_ESCALATE), _NO_LIKES)
                roles += 1
                if rnd() < 0.6:
                    node(nodes, ask, -1, bank(_BRAND_DM), _NO_LIKES)
        dressing = self._dressing(platform, 0.85)
        return _Shape(0, text, suffix, dressing, _LIKES_ASK, nodes, roles, 2 if answered else 1)

    def _brand_answer(self, slug: str, answers: tuple[str, ...], complaint: bool) -> str:
        rnd, phrase = self.rnd, self._phrase
        parts = [phrase(_BRAND_GREET)]
        if complaint:
            parts.append(phrase(_BRAND_SORRY))
        if answers and (not complaint or rnd() < 0.4):
            parts.append(phrase(answers))
        if complaint or rnd() < 0.3:
            parts.append(phrase(_BRAND_DM))
        if rnd() < 0.7:
            parts.append(f"{phrase(_BRAND_LINK)}https://{self.brand}.example/help/{slug}")
        return " ".join(p for p in parts if p) + phrase(_BRAND_SIGN)

    def _support_chain(self, nodes: list[Node], last: int, complaint: bool) -> None:
        """The customer answers back; while they are unhappy, the brand keeps replying."""
        rnd, bank, node = self.rnd, self._bank, self._node
        keep = 0.45 if complaint else 0.35
        while rnd() < keep:
            unhappy = rnd() < (0.65 if complaint else 0.35)
            last = node(nodes, last, 0, bank(_FOLLOW_BAD if unhappy else _FOLLOW_GOOD), _LIKES_REPLY)
            if not unhappy:
                if rnd() < 0.25:
                    node(nodes, last, -1, bank(_BRAND_CLOSE), _NO_LIKES)
                return
            if rnd() >= 0.75:
                return
            last = node(nodes, last, -1, bank(_BRAND_FOLLOWUP), _LIKES_LOW)
            keep = 0.55  # an unhappy customer who got an answer tends to answer again

    def _chat_shape(self, platform: str, category: str, tier: int, outage: bool) -> _Shape:
        rnd, bank, node = self.rnd, self._bank, self._node
        phrases, mention, brand_joins, brand_phrases, reply_rate = _CHAT[category]
        text = bank(_FOREIGN if rnd() < 0.02 else phrases)
        suffix = self._reddit_body() if platform == "reddit" and rnd() < 0.5 else ""
        nodes: list[Node] = []
        roles = 1
        if rnd() < brand_joins:
            node(nodes, 0, -1, bank(brand_phrases), _LIKES_BRAND)
        if platform == "reddit":
            reply_rate *= 1.8
        replies = bank(_PEER_RECOMMEND if category == "purchase" else _PEER_CHAT)
        for _ in range(self._peer_count(reply_rate * (0.5 + 0.5 * math.log1p(_TIER_WEIGHT[tier])))):
            reply = node(nodes, 0, roles, replies, _LIKES_REPLY)
            if rnd() < 0.3:
                roles = self._discussion(nodes, reply, roles)
            roles += 1
        return _Shape(0, text, suffix, self._dressing(platform, mention), None, nodes, roles, 0)

    def _discussion(self, nodes: list[Node], last: int, roles: int) -> int:
        """A back-and-forth under reply `last` between the author (role 0) and its replier
        (role `roles`); sometimes a third person joins. Returns the highest role used."""
        rnd, node = self.rnd, self._node
        back, chat = self._bank(_PEER_BACK), self._bank(_PEER_CHAT)
        speakers = (0, roles)
        turn = 0
        top = roles
        for _ in range(40):
            if rnd() < 0.15:
                top += 1
                who = top
            else:
                who = speakers[turn]
                turn ^= 1
            last = node(nodes, last, who, back if rnd() < 0.5 else chat, _LIKES_TINY)
            if rnd() >= 0.55:
                break
        return top

    def _brand_post_shape(self, platform: str, _: Any, tier: int, outage: bool) -> _Shape:
        rnd, bank, node = self.rnd, self._bank, self._node
        suffix = " " + _HASHTAGS[int(rnd() * len(_HASHTAGS))] if platform != "reddit" and rnd() < 0.5 else ""
        nodes: list[Node] = []
        roles = 1
        for _ in range(self._peer_count(1.2)):
            reply = node(nodes, 0, roles, bank(_FANS), _LIKES_REPLY)
            if rnd() < 0.3:
                node(nodes, reply, -1, bank(_BRAND_TO_FANS), _NO_LIKES)
            roles += 1
        return _Shape(-1, bank(_BRAND_POSTS), suffix, None, _LIKES_BRAND_POST, nodes, roles, 0)

    def _review_shape(self, platform: str, _: Any, tier: int, outage: bool) -> _Shape:
        rnd, node = self.rnd, self._node
        r = rnd()
        stars = 5 if r < 0.45 else 4 if r < 0.65 else 3 if r < 0.75 else 2 if r < 0.83 else 1
        negative = stars <= 2
        nodes: list[Node] = []
        support = 1 if negative else 0
        if rnd() < (0.66 if negative else 0.15):
            if negative:
                support = 2
                answer: Text = self._brand_answer("contact", (), True)
            else:
                answer = self._bank(_BRAND_THANKS)
            reply = node(nodes, 0, -1, answer, _NO_LIKES)
            if negative and rnd() < 0.2:
                node(nodes, reply, 0, self._bank(_FOLLOW_ANY), _NO_LIKES)
        return _Shape(0, self._review_bank(stars), "", None, _LIKES_REVIEW, nodes, 1, support)

    # -- planning --------------------------------------------------------------

    def _plan(self, t: int) -> int:
        """Plan a batch of conversations, the first starting at `t`; return when the next one starts.

        Each conversation takes a shape (drawn from its pool, or new while the
        pool fills) and fills it in: people, texts, times and likes. Messages
        that would fall after the end of the window are left out, and with them
        their replies. Planning ahead is safe: only planning late would not be.
        """
        bits, rnd = self.bits, self.rnd
        n, end, qscale, qtimes, qsteps = self.n, self.end_t, self.qscale, self.qtimes, self.qsteps
        hourstr, offset = self.hourstr, self.hour_offset
        heap, pending, push = self.heap, self.pending, heapq.heappush
        dispatch, dispatch_bits = self._dispatch, self.DISPATCH_BITS
        outage_start, outage_end = self.outage
        stats, sizes, roots = self.stats, self._sizes, self._roots
        brand_name = self.brand_name
        for _ in range(self.BATCH):
            index, platform, people, builder, arg, pools = dispatch[bits(dispatch_bits)]
            buf = people.buf
            author = buf.pop() if buf else self._refill(people)
            handle, name, _, tier, fame = people.info[author]
            pool = pools[tier + 3 if outage_start <= t < outage_end else tier]
            if len(pool) < _POOL:
                shape = builder(platform, arg, tier, outage_start <= t < outage_end)
                pool.append(shape)
            else:
                shape = pool[bits(_POOL_BITS)]
            sizes[index] += shape.size
            roots[index] += 1
            if roots[index] & 4095 == 0:
                self._adapt_platforms()
                dispatch = self._dispatch
            if shape.support:
                stats["support_roots"] += 1
                if shape.support == 2:
                    stats["support_answered"] += 1

            # The post that starts it.
            brand_handle = self.brand_handle[platform]
            micro = platform in _MICROBLOGS
            text = shape.root_text
            if type(text) is not str:
                text = text[bits(_BANK_BITS)]
            if shape.suffix:
                text += shape.suffix
            if shape.dressing is not None:
                before, after, other, tags = shape.dressing[bits(_DRESSING_BITS)]
                if other:  # mention someone; popular people get mentioned more
                    r = bits(people.index_bits + _COIN_BITS)
                    i = r >> _COIN_BITS
                    if r & _COIN_MASK >= people.accept[i]:
                        i = people.alias[i]
                    after += other.format(people.info[i][0])
                text = before + text + after + tags
            if shape.root_role < 0:
                who, handle, name, is_brand = -1, brand_handle, brand_name, True
            else:
                who, is_brand = author, False
            likes = (shape.root_likes or fame)[bits(_TABLE_BITS)]
            a = t + offset
            root: Record = {
                "id": None, "platform": platform, "author": handle, "author_name": name, "text": text,
                "created_at": hourstr[a // 3600] + _MMSS[a % 3600], "reply_to": None,
                "kind": "review" if platform == "reviews" else "post", "is_brand": is_brand,
                "likes": likes, "reposts": int(likes * rnd() * 0.3) if likes > 2 and micro else 0, "replies": 0,
            }
            self.planned += 1
            key = t << 32 | self.planned
            push(heap, key)
            pending[key] = (root, None)
            if shape.nodes:
                self._replies(t, root, who, shape, platform, people, author)

            # When the next one starts: where the stream is, on the curve of the weeks
            # (never earlier than this one, since `planned` only grows).
            if self.planned >= n:
                return end
            x = (self.planned + rnd()) * qscale
            i = int(x)
            t = int(qtimes[i] + (x - i) * qsteps[i])
        return t

    def _replies(self, t: int, root: Record, who: int, shape: _Shape, platform: str, people: _People,
                 author: int) -> None:
        """Plan the replies of a conversation whose first post is `root`."""
        bits, end = self.bits, self.end_t
        hourstr, offset = self.hourstr, self.hour_offset
        heap, pending, push = self.heap, self.pending, heapq.heappush
        info = people.info
        brand_handle, brand_name = self.brand_handle[platform], self.brand_name
        micro = platform in _MICROBLOGS
        reply_kind = "comment" if platform == "reddit" else "reply"
        # Who plays each role: the author, then other people (not the author, mostly).
        cast = [author]
        for _ in range(1, shape.roles):
            buf = people.buf
            other = buf.pop() if buf else self._refill(people)
            if other == author:
                other = buf.pop() if buf else self._refill(people)
            cast.append(other)
        recs: list[Record | None] = [root]
        times = [t]
        whos = [who]
        for parent_index, role, delay, text, like_table, mention in shape.nodes:
            parent = recs[parent_index]
            if parent is None:  # the parent fell after the window: so does this reply
                recs.append(None)
                times.append(0)
                whos.append(-1)
                continue
            pt = times[parent_index]
            if role < 0:
                t = pt + self._brand_delay(pt)
                who, handle, name, is_brand = -1, brand_handle, brand_name, True
                if type(text) is not str:
                    text = text[bits(_BANK_BITS)]
                addressee = whos[parent_index]
                text = text.replace("{first}", info[addressee][2] if addressee >= 0 else "there")
            else:
                t = pt + delay
                who = cast[role]
                handle, name, _, _, _ = info[who]
                is_brand = False
                if type(text) is not str:
                    text = text[bits(_BANK_BITS)]
            if t >= end:
                recs.append(None)
                times.append(0)
                whos.append(-1)
                continue
            parent_handle = parent["author"]
            if mention and micro and parent_handle != handle:
                text = "@" + parent_handle + " " + text
            likes = like_table[bits(_TABLE_BITS)] if like_table else 0
            a = t + offset
            rec: Record = {
                "id": None, "platform": platform, "author": handle, "author_name": name, "text": text,
                "created_at": hourstr[a // 3600] + _MMSS[a % 3600], "reply_to": None, "kind": reply_kind,
                "is_brand": is_brand, "likes": likes,
                "reposts": int(likes * self.rnd() * 0.3) if likes > 2 and micro else 0, "replies": 0,
            }
            parent["replies"] += 1
            self.planned += 1
            key = t << 32 | self.planned
            push(heap, key)
            pending[key] = (rec, parent)
            recs.append(rec)
            times.append(t)
            whos.append(who)

    def _start_time(self) -> int:
        """When the first conversation starts."""
        x = self.rnd() * self.qscale
        i = int(x)
        return int(self.qtimes[i] + (x - i) * self.qsteps[i])

    # -- the stream ----------------------------------------------------------

    def stream(self) -> Iterator[Record]:
        """Yield exactly n records in time order, planning conversations just in time."""
        heap = self.heap
        pop = heapq.heappop
        take = self.pending.pop
        plan = self._plan
        n = self.n
        count = 0
        next_t = self._start_time()
        next_key = next_t << 32
        more = True  # whether to plan more conversations
        while count < n:
            while more and (not heap or next_key <= heap[0]):
                next_t = plan(next_t)
                next_key = next_t << 32
                more = self.planned < n
            rec, parent = take(pop(heap))
            count += 1
            rec["id"] = f"s{count}"
            if parent is not None:
                rec["reply_to"] = parent["id"]
            yield rec


def generate(
    n: int, *, seed: int = 7, brand: str = "halcyonbikes", start: datetime | None = None, days: int = 90,
) -> Iterator[dict[str, Any]]:
    """Stream `n` synthetic message records; the same arguments give the same records.

    Records come in time order with ids `s1`, `s2`, ... in that order; a
    reply's parent is always yielded before it, on the same platform.
    Timestamps lie in [start, start + days); start defaults to 2026-08-01 UTC.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if days < 1:
        raise ValueError("days must be >= 1")
    if not brand or any(c.isspace() or c == "@" for c in brand):
        raise ValueError("brand must be a handle without spaces or @")
    if n == 0:
        return iter(())
    return _Synth(n, seed, brand, _utc(start), days).stream()


def write_jsonl(path: str | Path, n: int, **kw: Any) -> int:
    """Write `generate(n, **kw)` as JSON lines (UTF-8); return the number of lines written."""
    count = 0
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        write = fh.write
        for rec in generate(n, **kw):
            write(encode(rec) + "\n")
            count += 1
    return count


def write_csv(path: str | Path, n: int, **kw: Any) -> int:
    """Write `generate(n, **kw)` as CSV with a header row; return the number of records written.

    Columns are `FIELDS`; None is written as the empty string, booleans as true/false.
    """
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIELDS)
        for rec in generate(n, **kw):
            row = [rec[f] for f in FIELDS]
            row[6] = row[6] or ""  # reply_to
            row[8] = "true" if row[8] else "false"  # is_brand
            writer.writerow(row)
            count += 1
    return count
