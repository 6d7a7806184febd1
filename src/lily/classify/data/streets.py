"""Street-type words in the languages Lily's users write addresses in, accent-folded and lower-cased.

``STREET_WORDS`` stand alone as a token ("123 Main Street", "7, rue de Briand", "Calle Mayor 5");
``STREET_ENDINGS`` end a compound token, as German, Dutch and Scandinavian streets are written
("Hauptstrasse 12", "Sterresingel 35", "Backgatan 3"). ``UNIT_WORDS`` introduce a flat or suite.
"""

from __future__ import annotations

from lily.classify.data import words as _words
from lily.classify.fold import bare


def words(text: str) -> frozenset[str]:
    """The words of ``text`` spelled as a value's tokens are (``bare``: folded, without the vowel
    signs of Indic scripts)."""
    return frozenset(bare(w) for w in _words(text))

STREET_WORDS: frozenset[str] = words("""
خیابان کوچه بلوار میدان بزرگراه شارع طريق طريقه ممر רחוב רח שדרות סמטת דרך
پل دره جنب تقاطع راه بست جاده تونل پلاک
ქ ქუჩა გამზირი გამზ ჩიხი შესახვევი მოედანი փողոց պողոտա նրբանցք փ
मार्ग बाटो पथ गल्ली गली रोड सड़क चौक चोक এভিনিউ গলি লেন মহাসড়ক রাস্তা রোড সড়ক
street st str avenue ave av avda road rd lane ln drive dr court ct boulevard blvd bd bvd way place pl
square sq terrace ter terr parkway pkwy circle cir crescent cres close gardens gdns grove gr hill
mews row walk highway hwy route rte alley aly annex arcade bend bluff bottom branch bridge brook
burg bypass canyon cape causeway cliff common corner cove creek crest
crossing crossroad curve dale dam divide estate estates expressway extension falls ferry
flat flats ford forest forge forges fort freeway garden gateway glen glens green
greens harbor harbour haven heights highway hollow inlet island islands isle junction knoll
knolls lake lakes landing lodge loop mall manor manors meadow
meadows mill mills mission motorway mount mountain neck orchard oval overpass park parks
passage path pike pine pines plain plains plaza prairie radial ramp ranch
rapid rapids ridge ridges river shoal shoals shore shores skyway spur squares
station stravenue stream summit throughway trace trafficway trail trailer tunnel turnpike
underpass valley valleys via viaduct village villages ville vista wall
wells drove parade promenade quay rise vale wharf yard yards approach esplanade circuit
strasse strase gasse allee platz weg ring damm ufer chaussee steig pfad
rue avenue boulevard chemin allee impasse place quai route cours voie sentier passage square
rond-point faubourg lieu-dit hameau residence cite villa rang montee
calle avenida paseo plaza camino carrera ronda rambla travesia cuesta glorieta pasaje via callejon
canada carretera urbanizacion alameda bulevar pasadizo acceso vial poligono senda sector edificio
circuito cerrada privada prolongacion calzada andador retorno periferico diagonal
via viale piazza corso vicolo strada largo contrada borgo piazzale lungomare lungotevere salita
vico rotonda stradone traversa localita frazione
straat laan weg plein gracht kade singel dijk pad steeg hof markt dreef
rua avenida travessa praca alameda rodovia estrada largo vila setor quadra conjunto lote ladeira
loteamento condominio residencial jardim parque patio recanto trecho trevo vereda viela esplanada
estacao chacara colonia distrito favela fazenda feira nucleo passarela sitio vale aeroporto campo
morro lago lagoa
ulica ul aleja osiedle plac
gatan gata vagen vag torget gade vej alle stien veien katu tie kuja polku
alleyway amble anchorage artery boulevarde brae broadway brow byway centreway chase circlet circus
colonnade concourse copse courtyard crossway cruiseway cul-de-sac cutting dell deviation driveway
fairway firetrail footway foreshore frontage glade grange gully highroad laneway meander parklands
pathway quadrant quays ramble reserve retreat ridgeway riverway riviera roads roadside roadway
rotary siding strand subway thoroughfare tollway trunkway walkway wynd
strada bulevardul aleea soseaua sos intrarea calea piata splaiul drumul fundatura
utca ut ter korut koz setany rakpart fasor dulo
ulice namesti nabrezi trida sady ulica namestie nabrezie trieda cesta trg put obala naselje prilaz
odvojak klanac prolaz rondo skwer bulwar
jl jalan gang gg lorong cl cra kr tv dg transversal
улица ул переулок пер набережная наб аллея алл шоссе ш проспект пр площадь пл бульвар бул проезд
тупик туп линия мкр микрорайон вулиця вул провулок пров площа сквер узвіз парк просп набережна шосе
алея οδος οδ λεωφ λεωφορος πλ πλατεια
""")

STREET_ENDINGS: tuple[str, ...] = (
    "strasse", "str.", "gasse", "allee", "platz", "weg", "ring", "damm", "ufer", "steig", "pfad",
    "straat", "laan", "plein", "gracht", "kade", "singel", "dijk", "steeg", "hof", "markt", "dreef",
    "gatan", "vagen", "gade", "vej", "veien", "gata", "katu", "tie", "kuja", "polku", "torget",
    "bakken", "berget", "haugen", "lunden", "vollen", "svingen", "kroken", "faret", "ekra", "stien",
    "jordet", "toppen", "vegen", "stigen", "backen", "leden",
)

UNIT_WORDS: frozenset[str] = words("""
apt apartment suite ste unit flat floor fl room rm studio building bldg piso puerta planta
appartamento interno scala etage app bus bte andar casa bloco dpto depto departamento oficina
سوئیت واحد
""")
