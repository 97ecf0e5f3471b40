#!/usr/bin/env python3
"""Write src/Storytelling.Web/Security/common-passwords.txt: the passwords people pick first, built from patterns
(words, keyboard runs, repeated characters, digits and years appended), not downloaded from any breach corpus.

usage: tools/common-passwords.py > src/Storytelling.Web/Security/common-passwords.txt
One lower-case entry a line. The validator (CommonPasswordValidator) also refuses an entry with digits or symbols
added at either end, leetspeak (p4ssw0rd), one character repeated, a short run repeated, and straight sequences,
so the list itself stays a few thousand lines."""

WORDS_EN = """password passw0rd passphrase letmein welcome iloveyou trustno1 sunshine princess football baseball
basketball soccer hockey monkey dragon shadow master superman batman spiderman starwars pokemon computer internet
freedom whatever qwerty abc123 admin administrator login secret changeme default summer winter spring autumn
michael jennifer jessica ashley charlie thomas daniel matthew andrew joshua hunter ranger buster tigger jordan
harley pepper ginger maggie cookie chocolate cheese butter banana orange purple yellow silver golden diamond
flower angel lovely family friends forever heaven blessed jesus christ mustang ferrari corvette hello goodbye
killer ninja samurai wizard hacker matrix phoenix thunder lightning london newyork europe england america
guest user test testing tester demo sample example storytelling stories story teller project community""".split()

WORDS_NL = """wachtwoord welkom welkom01 geheim geheimpje hallo hoi doei liefde schatje lieverd konijn konijntje poes
poesje kat hond hondje paard vogel voetbal ajax feyenoord psv vitesse twente utrecht amsterdam rotterdam denhaag
eindhoven groningen tilburg almere breda nijmegen haarlem arnhem zwolle leiden maastricht delft houten nederland
holland oranje koning koningin zomer winter lente herfst vakantie zonneschijn regenboog bloemetje tulp tulpen
fiets fietsen kaas stroopwafel drop appel peer banaan aardbei chocola snoepje prinses prinsesje ridder draak
mama papa opa oma broer zus familie vriend vriendin vrienden gezin kinderen baby schat engel hemel jezus
maandag dinsdag woensdag donderdag vrijdag zaterdag zondag januari februari maart april mei juni juli augustus
september oktober november december gemeente buurt wijk verhaal verhalen verteller werk thuis huis tuin school
computer inloggen gebruiker beheerder welkom123 daan sem lucas levi finn milan noah emma julia sophie tess zoe
mila sara anna lisa eva fleur jan piet klaas kees henk johan peter willem hendrik maria johanna""".split()

KEYBOARD = """qwerty qwertyu qwertyui qwertyuiop asdf asdfg asdfgh asdfghj asdfghjk asdfghjkl zxcvbn zxcvbnm azerty
azertyuiop qwertz qwertzuiop 1qaz2wsx 1qaz2wsx3edc qazwsx qazwsxedc zaq12wsx 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y
q1w2e3r4 q1w2e3r4t5 !qaz2wsx qweasd qweasdzxc asdqwe123 poiuytrewq lkjhgfdsa mnbvcxz 147258369 159753 7894561230
1478963 741852963 qwe123 qwerty123 qwerty1234 asdf1234 zxcv1234 abcd1234 abc12345 aa123456 a1b2c3d4 a1b2c3d4e5""".split()

NUMBERS = """12345678 123456789 1234567890 0123456789 87654321 987654321 9876543210 0987654321 11223344 112233445566
12341234 12121212 13131313 12312312 123123123 123321123 123456654321 1029384756 24682468 13579135 31415926
314159265 20102010 11111111 00000000 147852369 258456 696969 112233 121212 123321 654321 666666 777777 888888
999999 000000 111111 222222 555555""".split()

SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "01", "007", "69", "99", "00", "!", "1!", "123!", "!!",
            "2020", "2021", "2022", "2023", "2024", "2025", "2026", "2027"]


def main():
    out = set()
    for word in WORDS_EN + WORDS_NL:
        # Digits, years and symbols at either end are stripped by the validator before it looks a password up.
        for suffix in ["", "1", "12", "123", "!"]:
            out.add(word + suffix)
        out.add(word + word)
        out.add("mijn" + word)
        out.add("my" + word)
        out.add("ik" + word)
    for run in KEYBOARD + NUMBERS:
        out.add(run)
        for suffix in SUFFIXES[:8]:
            out.add(run + suffix)
    for a in ["ilove", "ikhouvan", "ikhouvanjou", "iloveyou", "welkom", "hallo", "hello"]:
        for b in ["", "you", "jou", "mama", "papa", "ajax", "amsterdam", "nederland", "holland"]:
            out.add(a + b)
    # Phrases people think are long enough.
    for phrase in ["letmein", "letmeinnow", "openup", "opensesame", "sesamopenu", "dontforget", "nietvergeten",
                   "mijnwachtwoord", "mywordpass", "geenidee", "noidea", "iforgot", "vergeten", "passwordpassword",
                   "wachtwoordwachtwoord", "welkomwelkom", "testtest", "test1234", "testtest123", "changemenow",
                   "verandermij", "nieuwwachtwoord", "newpassword", "oldpassword", "oudwachtwoord", "tijdelijk",
                   "temporary", "temp1234", "startstart", "beginnen", "aanmelden", "inloggen123"]:
        out.add(phrase)
    for entry in sorted(out):
        if entry != entry.strip() or not entry:
            raise SystemExit(f"bad entry: {entry!r}")
    for entry in sorted(out):
        print(entry.lower())


main()
