"""Word lists the sample-site generator draws from.

Kept apart from the generator so the vocabulary can grow without touching any logic. The names
deliberately include accents, diaeresis and a ``Jr.`` suffix, and some phrases carry typographic
quotes, because those are what break naive extractors on the real site.
"""

from __future__ import annotations

#: Staff bylines; the real site's regulars plus invented names with non-ASCII characters.
AUTHORS: tuple[str, ...] = (
    "Michael K. Lavers",
    "Lou Chibbaro Jr.",
    "Chris Johnson",
    "Kathi Wolfe",
    "Joey DiGuglielmo",
    "José Núñez",
    "Zoë Brennan",
    "Evan Caplan",
    "Christopher Kane",
    "Brody Levesque",
    "Staff Reports",
    "Peter Rosenstein",
)

#: Primary sections as the Zox theme labels them (including the odd lowercase ones).
SECTIONS: tuple[str, ...] = (
    "Local",
    "National",
    "News",
    "Opinions",
    "Arts & Entertainment",
    "District of Columbia",
    "Virginia",
    "Congress",
    "The White House",
    "Music & Concerts",
    "Books",
    "Dining",
    "South America",
    "Africa",
    "homepage news",
    "a&e features",
)

#: Secondary categories a post may also be filed under.
EXTRA_CATEGORIES: tuple[str, ...] = ("homepage news", "World", "Politics", "Health", "Sports")

TAGS: tuple[str, ...] = (
    "Rainbow Railroad",
    "Chechnya",
    "Capital Pride",
    "HIV/AIDS",
    "transgender",
    "marriage equality",
    "Latin America",
    "Supreme Court",
    "Equality Act",
    "drag",
    "Mayor’s Office of LGBTQ Affairs",
    "Pride Month",
    "same-sex marriage",
    "asylum",
    "Café Saint-Ex",
)

PEOPLE: tuple[str, ...] = (
    "Rex Tillerson",
    "Nikki Haley",
    "Muriel Bowser",
    "Ramzan Kadyrov",
    "José Núñez",
    "Zoë Ramírez",
    "Heather Nauert",
    "Chad Griffin",
    "Sarah McBride",
    "Tim Kaine",
    "Danica Roem",
    "Björn Andrésen",
    "Pete Buttigieg",
    "Kamala Harris",
)

ORGS: tuple[str, ...] = (
    "the State Department",
    "the D.C. Council",
    "the Human Rights Campaign",
    "Whitman-Walker Health",
    "the Russian LGBT Network",
    "the Trevor Project",
    "the Capital Pride Alliance",
    "the Virginia General Assembly",
    "the Supreme Court",
    "the Mautner Project",
)

PLACES: tuple[str, ...] = (
    "D.C.",
    "Virginia",
    "Maryland",
    "Chechnya",
    "Brazil",
    "São Paulo",
    "Kenya",
    "Ghana",
    "Rehoboth Beach",
    "Dupont Circle",
    "Montréal",
    "Bogotá",
)

VERBS: tuple[str, ...] = (
    "raises",
    "criticizes",
    "praises",
    "backs",
    "questions",
    "meets with",
    "sues",
    "honors",
    "challenges",
    "celebrates",
)

TOPICS: tuple[str, ...] = (
    "anti-gay crackdown",
    "transgender health care",
    "Pride parade route",
    "marriage equality bill",
    "HIV prevention funding",
    "nondiscrimination ordinance",
    "asylum program",
    "conversion therapy ban",
    "drag story hour",
    "LGBTQ seniors housing plan",
)

#: Headline templates; ``{p}`` person, ``{o}`` organisation, ``{v}`` verb, ``{t}`` topic,
#: ``{l}`` place. Some carry typographic quotes and apostrophes on purpose.
TITLE_TEMPLATES: tuple[str, ...] = (
    "{p} {v} {t} in {l}",
    "{o} {v} {l} {t}",
    "{p}: ‘We won’t go back’ on {t}",
    "“It’s about dignity,” {p} says of {t}",
    "{l} activists rally against {t}",
    "What the {t} means for {l}",
    "{p} named to lead {o} effort on {t}",
    "No. {n} reason {l}’s {t} matters",
    "{o} report: {t} stalls in {l}",
    "Opinion: {l} can’t ignore the {t}",
)

DEK_TEMPLATES: tuple[str, ...] = (
    "Advocates say the {t} could reach thousands in {l}",
    "{p} spoke to the Blade after a closed-door meeting",
    "Decision follows months of pressure from {o}",
    "‘This is only the beginning,’ organizer says",
)

SENTENCE_TEMPLATES: tuple[str, ...] = (
    "{p} on Tuesday told the Blade that {o} would revisit the {t}.",
    "Advocates in {l} have criticized the {t} since it was announced in the spring.",
    "“We continue to raise our concerns about this situation,” {p} said.",
    "{o} in a statement said it is “disturbed” by the {t}.",
    "The {t} drew more than 200 people to a hearing in {l} last week.",
    "{p} declined to comment on the {t} when reached by phone.",
    "Reports indicate officials in {l} have begun to review the {t}.",
    "“Human rights is something that’s very important to us,” {p} told reporters.",
    "The measure’s sponsors say they expect a vote before the end of the year.",
    "Critics of the {t} say it leaves transgender people in {l} without protection.",
    "{o} has yet to publicly respond to the {t}.",
    "Supporters gathered outside the building in {l} holding rainbow flags.",
    "The group earlier this year urged {o} to act on the {t}.",
    "It’s the third time in as many years that the {t} has come up in {l}.",
)

HEADINGS: tuple[str, ...] = (
    "Canada grants asylum to gay, lesbian Chechens",
    "What happens next",
    "Café Saint-Ex reopens",
    "‘A long road’",
    "Reaction from {l}",
    "Saturday, June 8",
)

COMMENT_TEXTS: tuple[str, ...] = (
    "How can anyone criticize this while ignoring the same in other places?",
    "I think this is long overdue. Thank you for covering it.",
    "The US is not leading on this issue; it has fallen far behind other nations.",
    "Great reporting as always — keep it up, Blade!",
    "This isn’t the whole story.\nRead the full report before judging.",
    "I was there on Saturday and the turnout was amazing.",
    "Does anyone know whether the hearing will be streamed?",
)

COMMENTERS: tuple[str, ...] = (
    "Ed",
    "tahoe1972",
    "Renée L.",
    "Mark from Arlington",
    "DC Reader",
    "Jürgen",
    "kathy m.",
)

CREDITS: tuple[str, ...] = (
    "Washington Blade photo by Michael Key",
    "Washington Blade file photo by Michael Key",
    "Washington Blade photo montage",
    "Courtesy photo",
    "Photo public domain",
    "Photo by AgnosticPreachersKid; courtesy Wikimedia Commons",
    "Photo courtesy of {o}",
)

CAPTION_TEMPLATES: tuple[str, ...] = (
    "{p} speaks at an event in {l} on Saturday.",
    "Demonstrators in {l} protest the {t}.",
    "Members of {o} march in the Capital Pride parade.",
    "{p} in a letter raised the {t}.",
)

#: Addresses that render behind Cloudflare e-mail protection, as on the real site.
EMAILS: tuple[str, ...] = (
    "news@washblade.com",
    "letters@washblade.com",
    "tips@losangelesblade.com",
)
