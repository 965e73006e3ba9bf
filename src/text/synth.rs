//! Synthetic demo data: a deterministic generator of invented social-media posts with a
//! troll/ordinary label, a troll category and planted coordination campaigns.
//!
//! It owns the generator (its own PRNG, vocabulary, account handles, timestamps and the
//! campaign plan) and writing the result as CSV. Every word in it was written for this
//! module; no real post is copied. It does not read files, tokenize, train or score: the
//! CSV it writes is ordinary input for the rest of the pipeline.
//!
//! Same [`SynthConfig`] gives byte-identical output on every machine: integer-only
//! arithmetic, no hash maps, no clock.

use std::collections::BTreeSet;

/// What to generate. `posts` is exact; accounts are the pools posts are drawn from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    pub seed: u64,
    pub ordinary_accounts: usize,
    pub troll_accounts: usize,
    pub posts: usize,
    /// First second of the time span (Unix seconds, UTC).
    pub start_unix: i64,
    pub days: u32,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 42,
            ordinary_accounts: 150,
            troll_accounts: 40,
            posts: 6000,
            start_unix: 1_472_688_000, // 2016-09-01T00:00:00Z
            days: 60,
        }
    }
}

/// One generated post, as written to CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthPost {
    pub id: String,
    pub text: String,
    /// 1 = troll, 0 = ordinary.
    pub label: u8,
    pub author: String,
    /// ISO 8601 UTC, e.g. `2016-09-01T13:05:22Z`.
    pub timestamp: String,
    /// `ordinary`, or the troll's category (`RightTroll`, `LeftTroll`, ...).
    pub category: String,
    /// Empty for organic posts, else the planted campaign's id (`c07`).
    pub campaign: String,
}

/// Share of all posts written by trolls (campaign posts included), in percent.
const TROLL_SHARE_PCT: usize = 48;
/// Share of troll organic posts that sound like ordinary everyday chatter.
const TROLL_MASK_PCT: u64 = 30;
/// Share of ordinary posts about politics or news.
const ORDINARY_POLITICS_PCT: u64 = 22;
/// Longest gap inside one campaign, in seconds.
const CAMPAIGN_WINDOW: i64 = 300;

/// SplitMix64-seeded xoshiro256**.
struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut sm = crate::util::rng::SplitMix64::new(seed);
        Rng([sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()])
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (Lemire's method, unbiased); `n` must be > 0.
    fn below(&mut self, n: u64) -> u64 {
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn pct(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// One item of a `|`-separated list.
    fn pick(&mut self, list: &'static str) -> &'static str {
        let n = list.split('|').count();
        let i = self.index(n);
        list.split('|').nth(i).unwrap_or(list)
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.index(i + 1);
            xs.swap(i, j);
        }
    }
}

// ---- Vocabulary (invented; `|` separates items, `{slot}` is filled by `fill`) ----

const CITIES: &str = "Cleveland|Dayton|Phoenix|Tulsa|Denver|Atlanta|Boise|Raleigh|Fresno|Tampa|\
    San José|Spokane|Omaha|Madison|Richmond|El Paso";
const ISSUES: &str = "taxes|jobs|healthcare|immigration|the border|police reform|school funding|\
    the economy|trade deals|gun rights|voting rights|climate policy|wages|student debt|\
    veterans' care|crime|housing costs|the deficit";
const ELITES: &str = "Washington|the establishment|career politicians|the big banks|\
    the party bosses|the lobbyists|the billionaire donors|the insiders";
const MEDIA: &str = "mainstream media|cable news|fake news networks|corporate press|big media";
const FOODS: &str = "tacos|lasagna|pho|chili|banana bread|jalapeño poppers|crème brûlée|\
    pancakes|ramen|pizza|açaí bowls|BBQ ribs|pierogi|curry|nachos|grilled cheese";
const TEAMS: &str = "Hawks|Rangers|Bulls|Tigers|Wildcats|Bears|Falcons|Comets|Pirates|Owls";
const DAYS: &str = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday";
const EMOJI: &str = "\u{1F602}|\u{1F525}|\u{1F64F}|\u{1F631}|\u{1F44D}\u{1F3FD}|\u{2764}\u{FE0F}|\
    \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}|\u{1F926}\u{200D}\u{2642}\u{FE0F}|\u{1F389}|\
    \u{1F4AF}|\u{1F629}|\u{1F644}|\u{1F3C8}|\u{2615}|\u{1F60D}|\u{1F1FA}\u{1F1F8}";
const FLAGS: &str =
    "\u{1F1FA}\u{1F1F8}|\u{1F1FA}\u{1F1F8}\u{1F1FA}\u{1F1F8}|\u{1F985}\u{1F1FA}\u{1F1F8}";
const SHORTENERS: &str = "bit.ly|ow.ly|tinyurl.com|goo.gl|buff.ly";
const NEWS_DOMAINS: &str = "citybeacon-news.com|dailyledger24.com|thenationwire.net|\
    metrotonight.tv|peoplesvoice-now.org|freedomdailypost.com|heartlandherald.net";
const SLUG_WORDS: &str = "council|vote|storm|budget|police|school|report|plan|fire|rally|\
    court|poll|jobs|tax|road|water";
const MEDIA_HANDLES: &str =
    "CityBeaconNews|DailyLedger24|NationWireNow|MetroTonightTV|PeoplesVoiceNow";
const EXCLAIM: &str = "no|yes|why|ugh|omg|yay|hey";
const OTAGS: &str = "#GameDay|#FridayFeeling|#foodie|#coffee|#weekend|#tbt|#Election2016";
const RTAGS: &str = "#WakeUpAmerica|#PatriotsUnite|#StandForTheFlag|#SecureOurFuture|\
    #HonestVoters|#AmericaStrong|#Election2016";
const LTAGS: &str = "#StayWoke|#JusticeNow|#PeopleOverProfit|#EnoughIsEnough|#OurVoicesMatter|\
    #RiseUpTogether|#Election2016";
const FTAGS: &str = "#StaySafe|#HealthAlert|#PrepareNow|#CoverUp|#KnowTheRisk";
const NTAGS: &str = "#news|#local|#breaking|#politics";
const SLOGANS: &str = "Our country, our rules|Freedom isn't free|Work hard, keep what you earn|\
    No more excuses|Power to the people|Nobody is coming to save us";
const SCARES: &str =
    "chemical leak|contaminated turkey batch|power grid failure|toxic smoke cloud|\
    salmonella outbreak|tainted tap water|gas pipeline explosion|measles outbreak";
const GAMES: &str = "#RejectedCerealNames|#TwoWordHorrorStory|#WorstFirstDateIn3Words|\
    #SongsForYourCat|#MyLifeAsAMovieTitle|#RuinADessert|#IfIWereMayor|#OfficePartyConfessions";
const ANSWERS: &str = "Soggy Regret Flakes|Mom's calling|she brought her ex|\
    Hound Dog (But Make It Purr)|at least the food was free|The Mortgage Strikes Back|\
    crème brûlée with ketchup|free piñatas for everyone|Wifi is down|Reply all|\
    Nap Time Forever|decaf only|\"we need to talk\"|Frosted Tax Returns|Low battery";
const HEADLINES: &str = "City council approves ${num}M plan to fix roads in {city}|\
    Police investigate overnight shooting near {city} mall|\
    School board votes to raise teacher pay by {pct}|State lawmakers delay vote on {issue} bill|\
    Federal judge blocks new rule on {issue}|\
    Firefighters contain brush fire east of {city}, {num} homes evacuated|\
    Poll: {pct} of likely voters still undecided on {issue}|\
    Bus fares to rise to ${price} starting {day}|Hospital workers in {city} strike over wages|\
    Candidates clash over {issue} in heated debate|\
    Unemployment in {city} falls to {pct}, lowest since {year}|\
    Storm knocks out power to {num} homes in {city}|Mayor of {city} unveils plan on {issue}|\
    Café owner in {city} donates {num} meals to shelter";

const EVERYDAY: &str = "just made {food} for dinner and it was {so} good {emoji}|\
    can't believe it's {temp} in {city} already. {so} done with this weather|\
    {team} win {score}!! LETS {go} {emoji}|{mention} haha yes! see you at the café at {time}|\
    {mention} {so} true. happy birthday btw {emoji}|\
    anyone know a good mechanic in {city}? asking for a friend|\
    {day} again \u{1F629} need coffee \u{2615}|\
    my dog just stole a whole plate of {food} off the counter \u{1F926}\u{200D}\u{2642}\u{FE0F}|\
    new blog post: {num} things I learned baking sourdough {url}|\
    gas is ${price} a gallon here now, that's crazy|\
    watching the game with the fam \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467} \
    {team} better not blow this|\
    grocery list: eggs, milk, {food}, coffee\nwhy is it all ${price} now|\
    my boss just said \"we're a family here\" lol ok|\
    rain rain rain \u{1F327}\u{FE0F} {city} you are killing me|\
    finally finished my résumé, wish me luck {emoji}|{mention} did you see the ending?? {wow}|\
    10/10 would recommend the {food} at that new place on Main St {otag}|\
    happy {day}! going for a run then {food} {emoji}|traffic on I-{num} is a NIGHTMARE today|\
    just ran my first 5k in {num} minutes!! {emoji}|\
    visiting my cousin in Zürich next month, any tips? {emoji}|\
    Class of {year} reunion this weekend, feeling old|this {food} recipe is a game changer {url}|\
    {mention} congrats!! {emoji}{emoji}|\
    power went out for {num} minutes and the kids acted like it was the end of the world|\
    {pct} battery and no charger. pray for me \u{1F64F}|\
    trying the {food} at the food truck today {emoji} {otag}|\
    book club pick: a naïve detective in 1920s Paris, loving it so far|\
    {wow}, the {team} game went to overtime {emoji} {otag}|\
    Coffee first. Adulting later. {otag} {emoji}";
const POLITICS: &str =
    "watched the debate tonight. still not sure how I feel about {issue}, honestly|\
    whoever wins, please just fix {issue} in {city}|\
    voted early today! lines were short \u{1F44D}\u{1F3FD} #Election2016|\
    {mention} I get your point on {issue} but it's complicated|\
    can we talk about {issue} without yelling at each other for once?|\
    so tired of political ads. {so} tired. #Election2016|interesting read on {issue} {url}|\
    my uncle at Thanksgiving is going to be a LOT this year \u{1F62C} #Election2016|\
    poll says {pct} of voters care most about {issue}. makes sense to me|\
    {headline} {url}|wow. {headline} {url}|RT @{news}: {headline} {url}|\
    honestly the {media} coverage of {issue} has been exhausting|\
    {mention} did you register to vote yet? deadline is {day}!";
const RIGHT: &str =
    "{issue} is out of control and {elite} won't lift a finger. WAKE UP America! {tag} {flag}|\
    Real patriots know the truth about {issue}. RT if you agree! {tag}|\
    The {media} lied AGAIN about {issue}. {so} predictable. {tag} {url}|\
    Proud to stand with our vets, our police and our flag {flag} {tag}|\
    Why does {elite} care more about foreigners than about {issue} here at home?? {tag}|\
    If you still trust the {media} in {year}, I have a bridge to sell you. {tag}|\
    Taxes up {pct}, wages flat. Thanks for nothing, {elite}! {tag}|\
    \"{slogan}\" — that's all you need to know. {tag} {flag}|\
    {mention} exactly! they NEVER talk about {issue} {tag}|\
    Our borders, our jobs, our country. Vote like your family depends on it {flag} {tag}";
const LEFT: &str = "Another day, another injustice in {city}. Enough is enough. {tag}|\
    They keep telling us {issue} is fine. It's NOT. {tag} {url}|\
    Stay woke, fam. The {media} won't show you this {tag} \u{270A}\u{1F3FE}|\
    Both parties failed us on {issue}. Don't fall for the lesser evil {tag}|\
    Police stopped {num} people in {city} this week and nobody is asking why {tag}|\
    {elite} got richer while {issue} got worse. Coincidence? {tag}|\
    our people built this country and still get treated like this. {so} tired {tag}|\
    Say it louder for the people in the back: {issue} is a civil rights issue {tag}|\
    {mention} this!! they want us divided {tag} \u{270A}\u{1F3FF}|\
    Don't let them tell you your vote doesn't matter in {year}.\nOrganize. {tag}";
const NEWSFEED: &str = "{headline} {url}|BREAKING: {headline} {url}|{city}: {headline} {url}|\
    UPDATE: {headline} {tag} {url}|{headline} {tag} {url}|\
    Weather: {temp} and sunny in {city} today, {pct} chance of rain tonight";
const GAMER: &str = "{game} {answer}|{answer} {game}|{game} {answer} {emoji}|{game}\n{answer}|\
    {mention} {game} {answer}|{answer} \u{1F602} {game}|{game} \"{answer}\" lol";
const FEAR: &str = "ALERT: {scare} reported in {city}! Stay safe and share {tag} {url}|\
    Is your {food} safe?? {scare} found in {pct} of samples {tag}|\
    Officials still silent on the {scare} in {city}... what are they hiding? \u{1F631}|\
    My cousin works at the plant and says the {scare} is WAY worse than they admit {tag}|\
    {num} people sick after {scare} near {city}. Media blackout? {tag}|\
    Stock up on water NOW. {scare} could hit {city} by {day} {tag} \u{26A0}\u{FE0F}|\
    They said it was safe in {year} too. Don't believe them. {tag} {url}";
/// Long campaign messages, with words that `SYNONYMS` can swap.
const CAMPAIGN: &str = "They don't want you to know what really happened in {city} last night, \
    share this before it gets deleted {tag}|\
    The {media} is hiding the real numbers on {issue} and everyone in {city} deserves \
    the truth {tag}|\
    This is huge: new report says {issue} got {pct} worse this year and nobody in charge \
    cares {tag}|\
    If you care about {issue} at all you need to read this right now and share it with \
    everyone {tag}|\
    Big news from {city} today, people are finally standing up about {issue} and it is \
    amazing {tag}|\
    Remember this when you vote: {elite} had years to fix {issue} and did absolutely nothing {tag}";
/// Word swaps for near-duplicates, `from to` pairs.
const SYNONYMS: &str = "really actually|deleted removed|hiding burying|truth facts|huge massive|\
    cares listens|read see|everyone everybody|Big Great|amazing incredible|people folks|\
    absolutely literally";
const FIRST_NAMES: &str = "jenna|mike|carlos|aisha|tom|priya|dave|lucy|marco|kim|sam|rosa|ben|\
    nina|omar|beth|tyler|grace|luis|hannah|jamal|katie|raj|ellie";
/// Troll handle parts, `/` between categories (Right, Left, News, Gamer, Fear), `;` between parts.
const TROLL_HANDLES: &str = "Proud|True|Patriot|Liberty;Mom|Vet|Eagle|Dan;|76|_USA/\
    Woke|Justice|Resist|Unity;Sister|Keisha|Marcus|Now;|_|365/\
    Dayton|Phoenix|Tulsa|Omaha|Tampa;Daily|Today|Metro;News|Wire|Post/\
    Funny|Silly|LOL|Pun|Meme;Queen|King|Guy|Lord;|99|_|X/\
    StaySafe|Alert|Prepper|Watch;Dayton|Tulsa|Omaha|Boise;|Now|24";
const NAME_TAILS: &str = "_bakes|_runs|hikes|_reads|_tx|_nyc|88|_2000|_j|lovesdogs|_p|fromohio|\
    _k|_music|22|_writes";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cat {
    Ordinary,
    Right,
    Left,
    News,
    Gamer,
    Fear,
}

impl Cat {
    /// Category name, post templates and hashtags.
    fn style(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Cat::Ordinary => ("ordinary", EVERYDAY, OTAGS),
            Cat::Right => ("RightTroll", RIGHT, RTAGS),
            Cat::Left => ("LeftTroll", LEFT, LTAGS),
            Cat::News => ("NewsFeed", NEWSFEED, NTAGS),
            Cat::Gamer => ("HashtagGamer", GAMER, OTAGS),
            Cat::Fear => ("Fearmonger", FEAR, FTAGS),
        }
    }

    /// The category of the `i`-th troll account: 3 in 10 Right, 3 Left, 2 News, 1 Gamer, 1 Fear.
    fn troll(i: usize) -> Cat {
        match i % 10 {
            5 | 7 => Cat::Right,
            6 | 9 => Cat::Left,
            8 => Cat::News,
            k => [Cat::Right, Cat::Left, Cat::News, Cat::Gamer, Cat::Fear][k],
        }
    }
}

struct Account {
    handle: String,
    cat: Cat,
    weight: u64,
}

/// What the `{mention}`, `{news}`, `{url}` and `{tag}` slots draw from.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    accounts: &'a [Account],
    mentions: &'a [String],
    news: &'a [String],
    cat: Cat,
    fixed_url: Option<&'a str>,
}

fn rand_id(rng: &mut Rng, len: usize) -> String {
    const ALNUM: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..len)
        .map(|_| ALNUM[rng.index(ALNUM.len())] as char)
        .collect()
}

fn make_url(rng: &mut Rng) -> String {
    let scheme = if rng.pct(70) { "https" } else { "http" };
    match rng.below(10) {
        0..=3 => format!("{scheme}://{}/{}", rng.pick(SHORTENERS), rand_id(rng, 7)),
        4..=7 => {
            let (a, b) = (rng.pick(SLUG_WORDS), rng.pick(SLUG_WORDS));
            let (m, n) = (rng.range(1, 12), rng.range(100, 99_999));
            let domain = rng.pick(NEWS_DOMAINS);
            format!("{scheme}://{domain}/2016/{m:02}/{a}-{b}-{n}")
        }
        8 => format!("https://youtu.be/{}", rand_id(rng, 11)),
        _ => format!("https://instagram.com/p/{}/", rand_id(rng, 10)),
    }
}

/// `word` with its last letter stretched ("sooooo"), sometimes shouted.
fn elongate(rng: &mut Rng, word: &str) -> String {
    let last = word.chars().last().unwrap_or('o');
    let mut s: String = word
        .chars()
        .chain((0..rng.range(2, 6)).map(|_| last))
        .collect();
    if rng.pct(20) {
        s.make_ascii_uppercase();
    }
    s
}

fn slot(rng: &mut Rng, name: &str, ctx: &Ctx) -> String {
    let list = match name {
        "city" => CITIES,
        "issue" => ISSUES,
        "elite" => ELITES,
        "media" => MEDIA,
        "food" => FOODS,
        "team" => TEAMS,
        "day" => DAYS,
        "emoji" => EMOJI,
        "flag" => FLAGS,
        "otag" => OTAGS,
        "tag" => ctx.cat.style().2,
        "slogan" => SLOGANS,
        "scare" => SCARES,
        "game" => GAMES,
        "answer" => ANSWERS,
        "headline" => HEADLINES,
        "wow" => EXCLAIM,
        _ => "",
    };
    match name {
        _ if !list.is_empty() => {
            let s = rng.pick(list);
            match name {
                "headline" => fill(rng, s, ctx),
                "wow" => elongate(rng, s),
                _ => s.to_string(),
            }
        }
        "so" => elongate(rng, "so"),
        "go" => elongate(rng, "GO"),
        "url" => ctx.fixed_url.map_or_else(|| make_url(rng), str::to_string),
        "mention" => format!("@{}", ctx.mentions[rng.index(ctx.mentions.len())]),
        "news" => ctx.news[rng.index(ctx.news.len())].clone(),
        "num" => rng.range(2, 480).to_string(),
        "year" => rng.range(1968, 2016).to_string(),
        "pct" => format!("{}%", rng.range(2, 97)),
        "price" => format!("{}.{:02}", rng.range(1, 60), rng.below(100)),
        "temp" => format!("{}°F", rng.range(28, 104)),
        "time" => format!("{}:{:02}", rng.range(1, 12), rng.below(4) * 15),
        "score" => {
            let b = rng.range(0, 30);
            format!("{}-{b}", b + rng.range(1, 21))
        }
        _ => unreachable!("unknown slot {{{name}}}"),
    }
}

/// Fills every `{slot}` of a template.
fn fill(rng: &mut Rng, template: &str, ctx: &Ctx) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("unclosed slot");
        out.push_str(&slot(rng, &rest[open + 1..close], ctx));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A post in the style of `cat`, from a random template of `list` (or the category's own).
fn compose(rng: &mut Rng, cat: Cat, list: Option<&'static str>, ctx: &Ctx) -> String {
    let template = rng.pick(list.unwrap_or(cat.style().1));
    fill(rng, template, &Ctx { cat, ..*ctx })
}

/// A near-duplicate of `base`: one word swapped for a synonym, or an emoji or hashtag added.
fn near_duplicate(rng: &mut Rng, base: &str, variant: usize, cat: Cat) -> String {
    let words: Vec<&str> = base.split(' ').collect();
    let pairs = || SYNONYMS.split('|').filter_map(|p| p.split_once(' '));
    let swappable: Vec<(usize, &str)> = (0..words.len())
        .filter_map(|i| {
            pairs()
                .find(|(from, _)| *from == words[i])
                .map(|(_, to)| (i, to))
        })
        .collect();
    if variant % 3 == 1 && !swappable.is_empty() {
        let (i, to) = swappable[rng.index(swappable.len())];
        let mut out = words.clone();
        out[i] = to;
        return out.join(" ");
    }
    for _ in 0..8 {
        let extra = rng.pick(if variant % 3 == 2 {
            cat.style().2
        } else {
            EMOJI
        });
        if !words.contains(&extra) {
            return format!("{base} {extra}");
        }
    }
    format!("{base} {}", elongate(rng, "so"))
}

fn make_handle(rng: &mut Rng, cat: Cat) -> String {
    match cat {
        Cat::Ordinary if rng.pct(12) => format!("user_{:04}", rng.below(10_000)),
        Cat::Ordinary => format!("{}{}", rng.pick(FIRST_NAMES), rng.pick(NAME_TAILS)),
        _ => {
            let parts = TROLL_HANDLES
                .split('/')
                .nth(cat as usize - 1)
                .unwrap_or_default();
            parts.split(';').map(|part| rng.pick(part)).collect()
        }
    }
}

fn make_accounts(rng: &mut Rng, cfg: &SynthConfig) -> Vec<Account> {
    let mut seen = BTreeSet::new();
    let ordinary = (0..cfg.ordinary_accounts).map(|_| Cat::Ordinary);
    let cats = ordinary.chain((0..cfg.troll_accounts).map(Cat::troll));
    cats.map(|cat| {
        let mut handle = make_handle(rng, cat);
        while !seen.insert(handle.clone()) {
            handle = format!("{handle}{}", rng.below(10));
        }
        let weight = match cat {
            Cat::Ordinary if rng.pct(6) => rng.range(12, 20),
            Cat::Ordinary => rng.range(1, 6),
            _ => rng.range(6, 16),
        };
        Account {
            handle,
            cat,
            weight,
        }
    })
    .collect()
}

/// An account from `pool`, drawn in proportion to its posting rate.
fn pick_weighted(rng: &mut Rng, accounts: &[Account], pool: &[usize]) -> usize {
    let total: u64 = pool.iter().map(|&i| accounts[i].weight).sum();
    let mut r = rng.below(total);
    for &i in pool {
        if r < accounts[i].weight {
            return i;
        }
        r -= accounts[i].weight;
    }
    pool[pool.len() - 1]
}

/// A post before sorting and numbering: time, account index, text, campaign id.
struct Raw(i64, usize, String, String);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Identical,
    NearDup,
    SameLink,
    SameHashtag,
    Repost,
}

/// Coordination campaigns: identical text, near-duplicates, a shared link, a shared hashtag
/// or reposts, each by a fixed group of 3–8 trolls within `CAMPAIGN_WINDOW` seconds. The
/// first two are 3-account identical-text edge cases whose first pair is 60 s and 61 s apart.
fn plant_campaigns(rng: &mut Rng, ctx: &Ctx, trolls: &[usize], cfg: &SynthConfig) -> Vec<Raw> {
    let mut out = Vec::new();
    let mut shuffled = trolls.to_vec();
    rng.shuffle(&mut shuffled);
    let (mut groups, mut rest) = (Vec::new(), &shuffled[..]);
    while rest.len() >= 3 {
        let (group, tail) = rest.split_at((rng.range(3, 8) as usize).min(rest.len()));
        groups.push(group);
        rest = tail;
    }
    if groups.is_empty() {
        return out;
    }
    use Kind::*;
    let kinds = [Identical, NearDup, SameLink, SameHashtag, Repost];
    let span = span_seconds(cfg) - CAMPAIGN_WINDOW;
    for n in 0..(cfg.posts / 300).clamp(2, 60) {
        let group = groups[n % groups.len()];
        let members = &group[..if n < 2 { 3 } else { group.len() }];
        if out.len() + members.len() > cfg.posts / 3 {
            break;
        }
        let t0 = cfg.start_unix + rng.below(span.max(1) as u64) as i64;
        let offsets: Vec<i64> = match n {
            0 | 1 => vec![0, 60 + n as i64, 240],
            _ => (0..members.len())
                .map(|i| if i == 0 { 0 } else { rng.below(301) as i64 })
                .collect(),
        };
        let kind = kinds[n.saturating_sub(1) % kinds.len()]; // c01 and c02 both Identical
        let lead = ctx.accounts[members[0]].cat;
        let base = compose(rng, lead, Some(CAMPAIGN), ctx);
        let link = make_url(rng);
        let with_link = Ctx {
            fixed_url: Some(&link),
            ..*ctx
        };
        let hashtag = format!(
            "#{}{}",
            rng.pick("Honest|Stop|Real|Save|Truth|Defend|Protect|Expose"),
            rng.pick("Votes2016|TheLies|OurJobs|OurSchools|TheCount|Neighbors|TheFacts")
        );
        for (i, (&acct, &dt)) in members.iter().zip(&offsets).enumerate() {
            let cat = ctx.accounts[acct].cat;
            let text = match kind {
                Identical | NearDup | Repost if i == 0 => base.clone(),
                Identical => base.clone(),
                NearDup => near_duplicate(rng, &base, i, lead),
                Repost => format!("RT @{}: {base}", ctx.accounts[members[0]].handle),
                SameLink => {
                    let mut t = compose(rng, cat, None, &with_link);
                    if !t.contains(&link) {
                        t = format!("{t} {link}");
                    }
                    t
                }
                SameHashtag => format!("{} {hashtag}", compose(rng, cat, None, ctx)),
            };
            out.push(Raw(t0 + dt, acct, text, format!("c{:02}", n + 1)));
        }
    }
    out
}

fn span_seconds(cfg: &SynthConfig) -> i64 {
    i64::from(cfg.days.max(1)) * 86_400
}

/// Generates the dataset: exactly `cfg.posts` posts (none if there are no accounts),
/// sorted by timestamp then id.
pub fn generate(cfg: &SynthConfig) -> Vec<SynthPost> {
    if cfg.posts == 0 || cfg.ordinary_accounts + cfg.troll_accounts == 0 {
        return Vec::new();
    }
    let mut rng = Rng::new(cfg.seed);
    let accounts = make_accounts(&mut rng, cfg);
    let ordinary: Vec<usize> = (0..cfg.ordinary_accounts).collect();
    let trolls: Vec<usize> = (cfg.ordinary_accounts..accounts.len()).collect();
    // Mentions and reposts name accounts of the same side, or a few invented news outlets.
    let handles = |pool: &[usize], only: Option<Cat>| -> Vec<String> {
        let own = pool
            .iter()
            .filter(|&&i| only.is_none_or(|c| accounts[i].cat == c));
        let media = MEDIA_HANDLES.split('|').map(str::to_string);
        own.map(|&i| accounts[i].handle.clone())
            .chain(media)
            .collect()
    };
    let (ordinary_mentions, troll_mentions) = (handles(&ordinary, None), handles(&trolls, None));
    let news = handles(&trolls, Some(Cat::News));
    let ordinary_ctx = Ctx {
        accounts: &accounts,
        mentions: &ordinary_mentions,
        news: &news,
        cat: Cat::Ordinary,
        fixed_url: None,
    };
    let troll_ctx = Ctx {
        mentions: &troll_mentions,
        ..ordinary_ctx
    };

    let (span, start) = (span_seconds(cfg), cfg.start_unix);
    let mut raw = plant_campaigns(&mut rng, &troll_ctx, &trolls, cfg);
    let troll_organic = match (ordinary.is_empty(), trolls.is_empty()) {
        (true, _) => cfg.posts - raw.len(),
        (_, true) => 0,
        _ => (cfg.posts * TROLL_SHARE_PCT / 100).saturating_sub(raw.len()),
    };
    let ordinary_organic = cfg.posts - raw.len() - troll_organic;
    for _ in 0..troll_organic {
        let acct = pick_weighted(&mut rng, &accounts, &trolls);
        let text = if rng.pct(TROLL_MASK_PCT) {
            compose(&mut rng, Cat::Ordinary, None, &troll_ctx)
        } else if rng.pct(5) {
            let other = &accounts[trolls[rng.index(trolls.len())]];
            let body = compose(&mut rng, other.cat, None, &troll_ctx);
            format!("RT @{}: {body}", other.handle)
        } else {
            compose(&mut rng, accounts[acct].cat, None, &troll_ctx)
        };
        let t = start + rng.below(span as u64) as i64;
        raw.push(Raw(t, acct, text, String::new()));
    }
    for _ in 0..ordinary_organic {
        let acct = pick_weighted(&mut rng, &accounts, &ordinary);
        let text = match rng.below(100) {
            p if p < ORDINARY_POLITICS_PCT => {
                compose(&mut rng, Cat::Ordinary, Some(POLITICS), &ordinary_ctx)
            }
            p if p < ORDINARY_POLITICS_PCT + 4 => {
                let other = &ordinary_mentions[rng.index(ordinary_mentions.len())];
                let body = compose(&mut rng, Cat::Ordinary, None, &ordinary_ctx);
                format!("RT @{other}: {body}")
            }
            _ => compose(&mut rng, Cat::Ordinary, None, &ordinary_ctx),
        };
        let t = start + rng.below(span as u64) as i64;
        raw.push(Raw(t, acct, text, String::new()));
    }

    raw.sort_by_key(|r| r.0); // stable: ties keep generation order, so ids break them
    let width = cfg.posts.to_string().len().max(6);
    let post = |(i, Raw(t, acct, text, campaign)): (usize, Raw)| {
        let account: &Account = &accounts[acct];
        SynthPost {
            id: format!("p{:0width$}", i + 1),
            text,
            label: u8::from(account.cat != Cat::Ordinary),
            author: account.handle.clone(),
            timestamp: format_timestamp(t),
            category: account.cat.style().0.to_string(),
            campaign,
        }
    };
    raw.into_iter().enumerate().map(post).collect()
}

const HEADER: &str = "id,text,label,author,timestamp,category,campaign";

/// Writes posts as CSV with header `id,text,label,author,timestamp,category,campaign`.
pub fn write_csv<W: std::io::Write>(posts: &[SynthPost], w: W) -> csv::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(HEADER.split(','))?;
    for p in posts {
        let label = p.label.to_string();
        let fields = [&p.id, &p.text, &label, &p.author, &p.timestamp, &p.category];
        out.write_record(fields.into_iter().chain([&p.campaign]))?;
    }
    out.flush()?;
    Ok(())
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
fn format_timestamp(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (y, m, d) = crate::util::time::civil_from_days(days);
    let (hh, mm, ss) = (secs / 3600, secs / 60 % 60, secs % 60);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn csv_bytes(posts: &[SynthPost]) -> Vec<u8> {
        let mut out = Vec::new();
        write_csv(posts, &mut out).unwrap();
        out
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` back to Unix seconds (the inverse of `civil_from_days`).
    fn parse_ts(s: &str) -> i64 {
        let b = s.as_bytes();
        let shape = s.len() == 20 && b[4] == b'-' && b[10] == b'T' && b[19] == b'Z';
        assert!(shape, "{s}");
        let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap();
        let (m, d) = (n(5..7), n(8..10));
        assert!((1..=12).contains(&m) && (1..=31).contains(&d), "{s}");
        let y = n(0..4) - i64::from(m <= 2);
        let (era, yoe) = (y.div_euclid(400), y.rem_euclid(400));
        let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
        let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
        days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
    }

    fn campaigns(posts: &[SynthPost]) -> BTreeMap<&str, Vec<&SynthPost>> {
        let mut map: BTreeMap<&str, Vec<&SynthPost>> = BTreeMap::new();
        for p in posts.iter().filter(|p| !p.campaign.is_empty()) {
            map.entry(&p.campaign).or_default().push(p);
        }
        map
    }

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(format_timestamp(1_472_688_000), "2016-09-01T00:00:00Z");
        assert_eq!(format_timestamp(951_782_400 + 3723), "2000-02-29T01:02:03Z");
        assert_eq!(format_timestamp(-1), "1969-12-31T23:59:59Z");
        for t in (-5_000_000_000..5_000_000_000i64).step_by(7_654_321) {
            assert_eq!(parse_ts(&format_timestamp(t)), t);
        }
    }

    #[test]
    fn deterministic_per_seed() {
        let cfg = SynthConfig::default();
        let a = csv_bytes(&generate(&cfg));
        assert_eq!(a, csv_bytes(&generate(&cfg)));
        assert_ne!(a, csv_bytes(&generate(&SynthConfig { seed: 7, ..cfg })));
    }

    #[test]
    fn counts_labels_and_order_match_config() {
        let cfg = SynthConfig::default();
        let posts = generate(&cfg);
        assert_eq!(posts.len(), cfg.posts);
        let ids: BTreeSet<&str> = posts.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), posts.len());
        let of = |l: u8| posts.iter().filter(move |p| p.label == l);
        let authors = |l: u8| of(l).map(|p| p.author.as_str()).collect::<BTreeSet<_>>();
        let (ordinary, trolls) = (authors(0), authors(1));
        assert!(ordinary.is_disjoint(&trolls));
        assert!((140..=150).contains(&ordinary.len()) && (36..=40).contains(&trolls.len()));
        let troll_pct = of(1).count() * 100 / posts.len();
        assert!((40..=60).contains(&troll_pct), "{troll_pct}");
        let troll_cats = "RightTroll LeftTroll NewsFeed HashtagGamer Fearmonger";
        for p in &posts {
            let ok = match p.label {
                1 => troll_cats.split(' ').any(|c| c == p.category),
                _ => p.category == "ordinary" && p.campaign.is_empty(),
            };
            assert!(ok && !p.text.trim().is_empty(), "{p:?}");
        }
        let end = cfg.start_unix + i64::from(cfg.days) * 86_400;
        let times: Vec<i64> = posts.iter().map(|p| parse_ts(&p.timestamp)).collect();
        assert!(times.iter().all(|t| (cfg.start_unix..end).contains(t)));
        let key = |p: &SynthPost| (p.timestamp.clone(), p.id.clone());
        assert!(posts.windows(2).all(|w| key(&w[0]) < key(&w[1])));
        let mut tiny = SynthConfig { posts: 10, ..cfg };
        tiny.troll_accounts = 2;
        assert_eq!(generate(&tiny).len(), 10);
        tiny.troll_accounts = 0;
        tiny.ordinary_accounts = 0;
        assert!(generate(&tiny).is_empty());
    }

    #[test]
    fn campaigns_are_coordinated_in_every_kind() {
        let posts = generate(&SynthConfig::default());
        let words = |s: &str| {
            s.split_whitespace()
                .map(str::to_lowercase)
                .collect::<BTreeSet<_>>()
        };
        let (mut near, mut repost, mut link, mut gaps) = (0, 0, 0, BTreeSet::new());
        let all = campaigns(&posts);
        assert!(all.len() >= 10, "{}", all.len());
        for (id, rows) in &all {
            let accounts: BTreeSet<&str> = rows.iter().map(|p| p.author.as_str()).collect();
            let times: Vec<i64> = rows.iter().map(|p| parse_ts(&p.timestamp)).collect();
            let spread = times.iter().max().unwrap() - times.iter().min().unwrap();
            let all_trolls = rows.iter().all(|p| p.label == 1);
            assert!(all_trolls && (3..=8).contains(&accounts.len()), "{id}");
            assert!(spread <= CAMPAIGN_WINDOW, "{id}");
            for (a, ta) in rows.iter().zip(&times) {
                for (b, tb) in rows.iter().zip(&times) {
                    if a.text == b.text && a.author != b.author {
                        gaps.insert(tb - ta);
                    }
                }
            }
            let base = words(&rows[0].text);
            let jaccard = |p: &&SynthPost| {
                let w = words(&p.text);
                w.intersection(&base).count() * 100 / w.union(&base).count()
            };
            let js: Vec<usize> = rows.iter().map(jaccard).collect();
            let no_rt = rows.iter().all(|p| !p.text.starts_with("RT @"));
            near += usize::from(no_rt && js[1..].iter().all(|j| (75..100).contains(j)));
            let texts: BTreeSet<&str> = rows.iter().map(|p| p.text.as_str()).collect();
            let rt_bodies = rows.iter().filter_map(|p| p.text.strip_prefix("RT @"));
            let mut rt_bodies = rt_bodies.filter_map(|t| t.split_once(": "));
            repost += usize::from(rt_bodies.any(|(_, body)| texts.contains(body)));
            let urls: BTreeSet<Option<&str>> = rows
                .iter()
                .map(|p| p.text.split(' ').find(|w| w.starts_with("http")))
                .collect();
            let shared = urls.len() == 1 && !urls.contains(&None);
            link += usize::from(shared && texts.len() == rows.len());
        }
        assert!(near * repost * link > 0, "{near} {repost} {link}");
        assert!(gaps.contains(&60) && gaps.contains(&61), "{gaps:?}");
        for (id, gap) in [("c01", 60), ("c02", 61)] {
            let rows = &all[id];
            let t: Vec<i64> = rows
                .iter()
                .map(|p| parse_ts(&p.timestamp) - parse_ts(&rows[0].timestamp))
                .collect();
            assert_eq!(t, [0, gap, 240], "{id}");
            assert!(rows.iter().all(|p| p.text == rows[0].text), "{id}");
        }
    }

    #[test]
    fn texts_exercise_the_tokenizer() {
        let posts = generate(&SynthConfig::default());
        let needles = "https://|http://|bit.ly/|@|#|RT @|\u{200D}|\u{1F1FA}|\u{1F602}|é|ñ|ü|\
            \n|\"|,|%|$|oooo|2016|BREAKING|°F";
        for needle in needles.split('|') {
            assert!(posts.iter().any(|p| p.text.contains(needle)), "{needle:?}");
        }
    }

    #[test]
    fn csv_round_trips() {
        let cfg = SynthConfig::default();
        let posts = generate(&SynthConfig { posts: 1500, ..cfg });
        let bytes = csv_bytes(&posts);
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header: Vec<&str> = HEADER.split(',').collect();
        assert_eq!(reader.headers().unwrap(), header);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), posts.len());
        let mut again = csv::Writer::from_writer(Vec::new());
        again.write_record(&header).unwrap();
        for (row, p) in rows.iter().zip(&posts) {
            assert_eq!(
                (&row[0], &row[1], &row[6]),
                (&*p.id, &*p.text, &*p.campaign)
            );
            again.write_record(row).unwrap();
        }
        assert_eq!(again.into_inner().unwrap(), bytes);
    }
}
